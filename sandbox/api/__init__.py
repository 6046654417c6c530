"""The request layer every project-owned service shares: protocols, input checks, pagination, signatures.

What each service would otherwise repeat lives here once: the error envelope of each wire protocol
(`protocols`), strict bounded body parsing and checks against the botocore input shapes (`inputs`),
pagination tokens and page sizes (`pages`) and the SigV4 credential scope (`signature`).
"""
