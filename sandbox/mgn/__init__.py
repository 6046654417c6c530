"""AWS Application Migration Service (MGN), implemented by the sandbox: moto has none."""
