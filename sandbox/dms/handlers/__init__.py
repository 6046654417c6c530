"""The DMS operation handlers, one module per resource; `OPERATIONS` maps each operation name to its handler.

A handler is `handler(dms, body) -> payload`, called under the store's lock with a body already checked
against the operation's input shape; it raises `ApiError` for everything AWS refuses.
"""

from sandbox.dms.handlers import connections, endpoints, instances, tasks

OPERATIONS = {
    **instances.OPERATIONS,
    **endpoints.OPERATIONS,
    **connections.OPERATIONS,
    **tasks.OPERATIONS,
}
