"""The showcase owns no model (DESIGN §1: it presents, it owns no organisation data).

Django imports this module at start-up in every process (web, Celery worker, shell,
management commands), before any write: it is where the receivers that keep the showcase
cache right are connected, so that a status change made by the worker (listing expiry) moves
the cache on as surely as one made in a view.
"""

from vitrine import signals

signals.connect()
