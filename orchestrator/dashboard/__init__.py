"""The web dashboard's local side: serving the built site, its config.json, and the local IAM simulation."""
