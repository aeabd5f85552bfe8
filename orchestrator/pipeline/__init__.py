"""The container-app pipeline: build records, release, postdeploy and deploy decisions."""
