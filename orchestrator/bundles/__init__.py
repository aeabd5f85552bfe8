"""Function-app bundles (the Mattermost Apps bundle model): validate, name, deploy, route and call.

Plain Python over pydantic models; only orchestrator/adapters touch AWS.
"""
