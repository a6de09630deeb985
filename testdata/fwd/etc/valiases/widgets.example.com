*: help@example.com
