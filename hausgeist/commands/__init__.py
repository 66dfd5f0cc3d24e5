"""The CLI's commands, one module each; ``hausgeist.cli`` only parses arguments."""
