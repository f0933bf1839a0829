"""Monitoring of social-insurance coverage against a province's 2030 plan."""
