from gateway.plugins import Plugin

PLUGIN = Plugin(__name__, jobs=(".jobs",), cli=".cli:app")
