"""Liveness and readiness for the process supervisor and the load balancer."""
