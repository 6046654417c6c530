"""The local stand-in for AWS: MGN (and DMS) implemented here, everything else served by moto in-process."""
