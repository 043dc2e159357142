"""Realistic, reconciled dummy books for the offline Sandbox's sample companies."""
