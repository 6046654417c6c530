"""Values that several layers use, defined once: the Airflow retry policy, XCom keys, waiting arguments.

The lowest layer of the project's own code: it imports nothing from hooks, operators, sensors, triggers,
``include/`` or ``dags/``, so every one of them may import it.
"""
