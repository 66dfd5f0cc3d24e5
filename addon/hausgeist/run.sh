#!/usr/bin/with-contenv bashio
# Maps the add-on's options and the Supervisor's MQTT service onto hausgeist's own
# configuration overrides and CLI flags. Nothing else happens here.
set -e

CONFIG="/config/$(bashio::config 'config_file')"
if ! bashio::fs.file_exists "${CONFIG}"; then
    bashio::log.info "No ${CONFIG} yet: starting from the example home; edit it to describe yours."
    cp "$(python3 -c 'import hausgeist.paths as p; print(p.example_config())')" "${CONFIG}"
fi

export HAUSGEIST_DATA_DIR=/data
export HAUSGEIST_MQTT__HOST="$(bashio::services mqtt 'host')"
export HAUSGEIST_MQTT__PORT="$(bashio::services mqtt 'port')"
export HAUSGEIST_MQTT__USERNAME="$(bashio::services mqtt 'username')"
export HAUSGEIST_MQTT__PASSWORD="$(bashio::services mqtt 'password')"
export HAUSGEIST_MQTT__BASE_TOPIC="$(bashio::config 'base_topic')"
export HAUSGEIST_LLM__ENABLED="$(bashio::config 'llm_enabled')"
export HAUSGEIST_LLM__THREADS="$(bashio::config 'llm_threads')"

bashio::log.info "Checking ${CONFIG}"
hausgeist check --config "${CONFIG}"
VERBOSE=""
if [ "$(bashio::config 'log_level')" = "debug" ]; then VERBOSE="--verbose"; fi
exec hausgeist ${VERBOSE} run --config "${CONFIG}"
