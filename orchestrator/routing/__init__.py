"""Web traffic: the shared load balancer's per-app target groups, host rules and rule priorities."""
