"""Blueprints by audience: public, auth, account (a resident's own), committee, admin.
Views are thin: they read a form, call a service, and render or redirect."""
