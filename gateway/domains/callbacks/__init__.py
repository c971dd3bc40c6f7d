"""Signed outbound webhooks to platforms (Standard Webhooks), one secret per callback endpoint."""
