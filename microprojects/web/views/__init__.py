"""Blueprints by feature: public pages, sign-in, the account, the committee's pages, the
administrator's, proposals, voting, results, implementation, the open-data API and the city's
overview. Views are thin: they read a form, call services, and render or redirect; they hold no
query and no commit."""
