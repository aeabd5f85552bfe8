"""Parameter Store changes: config variables, scaling, scheduled tasks and access lists.

Operators steer an app by writing SSM parameters under the configured prefix. The handler only gets the
parameter's name; the logic here reads the parameter's *current* value (never decrypting config values) and
brings ECS, Application Auto Scaling, EventBridge and the access records in line with it. Because every
event re-reads the current state, a burst of writes delivered duplicated or out of order ends in the state
of the last write.
"""
