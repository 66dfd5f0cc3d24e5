#!/usr/bin/with-contenv bashio
# shellcheck shell=bash
# Maps the add-on's options and the Supervisor's services onto hausgeist's own
# configuration overrides and CLI flags. Nothing else happens here.
set -e

CONFIG="/config/$(bashio::config 'config_file')"
if ! bashio::fs.file_exists "${CONFIG}"; then
    bashio::log.info "No ${CONFIG} yet: starting with Home Assistant's home and no devices of its own."
    printf '# hausgeist: see the add-on documentation. Devices here add to Home Assistant'"'"'s.\ndevices: []\n' > "${CONFIG}"
fi

export HAUSGEIST_DATA_DIR=/data
HAUSGEIST_LLM__ENABLED="$(bashio::config 'llm_enabled')"
export HAUSGEIST_LLM__ENABLED
HAUSGEIST_LLM__THREADS="$(bashio::config 'llm_threads')"
export HAUSGEIST_LLM__THREADS
if bashio::config.true 'home_assistant'; then
    # The Supervisor's proxy to Home Assistant's WebSocket API; SUPERVISOR_TOKEN logs in.
    export HAUSGEIST_HOMEASSISTANT__URL="ws://supervisor/core/websocket"
    HAUSGEIST_HOMEASSISTANT__EXPOSED_ONLY="$(bashio::config 'exposed_only')"
    export HAUSGEIST_HOMEASSISTANT__EXPOSED_ONLY
fi
MQTT=false
if bashio::services.available mqtt; then
    MQTT=true
    HAUSGEIST_MQTT__HOST="$(bashio::services mqtt 'host')"
    export HAUSGEIST_MQTT__HOST
    HAUSGEIST_MQTT__PORT="$(bashio::services mqtt 'port')"
    export HAUSGEIST_MQTT__PORT
    HAUSGEIST_MQTT__USERNAME="$(bashio::services mqtt 'username')"
    export HAUSGEIST_MQTT__USERNAME
    HAUSGEIST_MQTT__PASSWORD="$(bashio::services mqtt 'password')"
    export HAUSGEIST_MQTT__PASSWORD
    HAUSGEIST_MQTT__BASE_TOPIC="$(bashio::config 'base_topic')"
    export HAUSGEIST_MQTT__BASE_TOPIC
fi

bashio::log.info "Checking ${CONFIG}"
hausgeist check --config "${CONFIG}"
VERBOSE=""
if [ "$(bashio::config 'log_level')" = "debug" ]; then VERBOSE="--verbose"; fi

if bashio::config.true 'wyoming'; then
    hausgeist ${VERBOSE} wyoming --config "${CONFIG}" --uri tcp://0.0.0.0:10700 &
    # Home Assistant offers the Wyoming integration for this agent by itself.
    bashio::discovery "wyoming" "{\"uri\": \"tcp://$(hostname):10700\"}" > /dev/null || \
        bashio::log.warning "Home Assistant was not told about the Wyoming agent; add it by hand."
fi
if [ "${MQTT}" = "true" ]; then
    exec hausgeist ${VERBOSE} run --config "${CONFIG}"
fi
wait
