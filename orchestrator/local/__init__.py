"""The embedded AWS: moto plus simulations of what moto does not do (events, builds, deployments)."""
