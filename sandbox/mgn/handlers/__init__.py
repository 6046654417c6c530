"""The MGN operation handlers, one module per resource; `OPERATIONS` maps each operation name to its handler.

A handler is `handler(mgn, body) -> (status, payload)`, called under `world.lock` with a body already checked
against the operation's input shape; it raises `ApiError` for everything AWS refuses.
"""

from sandbox.mgn.handlers import applications, configurations, jobs, servers, tags, waves

OPERATIONS = {
    **servers.OPERATIONS,
    **configurations.OPERATIONS,
    **jobs.OPERATIONS,
    **waves.OPERATIONS,
    **applications.OPERATIONS,
    **tags.OPERATIONS,
}
