package firebreak.broken

decision := {
