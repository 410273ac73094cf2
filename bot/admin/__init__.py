"""Operations on a deployment as a whole (moving its data between databases)."""
