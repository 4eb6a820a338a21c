# METADATA
# title: Incident communication
# description: |
#   Decides how often customers must hear from us while an incident is open, who may post
#   a public update, and who is reminded when an update is overdue. Sev1: a public update
#   every 30 minutes; sev2: every 60 minutes; sev3: no cadence. Public updates of sev1 and
#   sev2 incidents are posted by the communications lead or the commander; of sev3, by
#   anyone the organisation knows. An overdue update reminds the communications lead
#   first (the commander when nobody holds that role) and the commander 10 minutes later.
#   Missing input fails safe: the sev1 cadence and the sev1 posters.
package firebreak.communication

# every_seconds is how often each severity's public updates are due; 0 means no cadence.
every_seconds := {"sev1": 1800, "sev2": 3600, "sev3": 0}

# posters are the incident roles that may post a public update, by severity; an empty list
# lets anyone the organisation knows post one.
posters := {
	"sev1": ["communications_lead", "commander"],
	"sev2": ["communications_lead", "commander"],
	"sev3": [],
}

# commander_after_seconds is how long after the first reminder the commander is reminded.
commander_after_seconds := 600

# METADATA
# title: Communication decision
# description: |
#   How often a public update is due in seconds (0: no cadence), the roles that may post
#   one (empty: anyone known), how long after the first reminder the commander is
#   reminded, and the reasons.
# entrypoint: true
default decision := {
	"public_update_every_seconds": 1800,
	"public_update_roles": ["communications_lead", "commander"],
	"remind_commander_after_seconds": 600,
	"reasons": ["communication could not be evaluated: public updates every 1800 seconds, posted by the communications lead or the commander"],
}

decision := {
	"public_update_every_seconds": cadence,
	"public_update_roles": roles,
	"remind_commander_after_seconds": commander_after_seconds,
	"reasons": [cadence_reason, poster_reason],
}

# severity is the incident's severity when it is known; otherwise it is undefined.
severity := input.incident.severity if {
	every_seconds[input.incident.severity]
}

cadence := every_seconds[severity] if {
	severity
} else := every_seconds.sev1

roles := posters[severity] if {
	severity
} else := posters.sev1

cadence_reason := sprintf("%s: no public update cadence", [severity]) if {
	cadence == 0
} else := sprintf("%s: a public update is due every %d seconds", [severity, cadence]) if {
	severity
} else := sprintf("severity %s unknown: a public update is due every %d seconds (the sev1 cadence)", [
	json.marshal(input.incident.severity),
	cadence,
]) if {
	"severity" in object.keys(input.incident)
} else := sprintf("severity missing: a public update is due every %d seconds (the sev1 cadence)", [cadence])

poster_reason := "anyone the organisation knows may post a public update" if {
	count(roles) == 0
} else := sprintf("public updates are posted by the %s", [concat(" or the ", [replace(r, "_", " ") | some r in roles])])
