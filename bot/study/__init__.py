"""Study tracking: plans, check-ins, streaks and progress, as plain services (no Discord)."""

# The terminal's own scope; Discord guild ids are positive snowflakes, so 0 never collides.
TERMINAL_SCOPE = 0
