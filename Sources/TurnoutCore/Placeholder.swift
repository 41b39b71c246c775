package enum TurnoutCorePlaceholder {}
