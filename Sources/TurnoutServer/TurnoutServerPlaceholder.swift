package enum TurnoutServerPlaceholder {}
