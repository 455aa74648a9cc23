"""Pure domain rules. Nothing here imports Flask, SQLAlchemy or any other part of the project
outside ``microprojects.domain``; every function takes what it needs (including ``now``) as
arguments, so the rules are tested without an app."""
