"""The walk-in Sprechstunde queue: take a number by chat, be called when it is your turn."""
