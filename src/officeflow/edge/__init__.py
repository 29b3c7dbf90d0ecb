"""What the faces share at the HTTP edge, so that the API and the console need not import each
other: the session cookie and CSRF protection (``csrf``), the rate limits (``ratelimit``),
stored answers by Idempotency-Key (``idempotency``) and how an error reads as a problem
(``problems``)."""
