package workflows

import "go.temporal.io/sdk/workflow"

// changeEpoch is the change ID that stands for every change of the incident workflow before
// it: changeHardenedCore, changeRunbooks, changeKeyEvents, changeOutbox, changeEscalation,
// changeEventsAPI, changeReview, changeRunbookCarry and changeRunbookQueue. A run that starts on
// this code or later records this one version marker and applies them all, where it recorded a
// marker and a TemporalChangeVersion search attribute update for each before: commands of the
// incident's first workflow task, which its first page waits for. Runs that started before it
// have no such marker and go on deciding each change by its own.
const changeEpoch = "epoch-2026-12"

// changed reports whether a change of the incident workflow applies to this run (its version
// 1). The epoch is asked first: Incident asks at once, so that a run that started before it
// learns so while its first workflow task replays, and never records the epoch later in its
// life. The SDK keeps each version once decided, so every call in a run agrees.
func changed(ctx workflow.Context, change string) bool {
	return workflow.GetVersion(ctx, changeEpoch, workflow.DefaultVersion, 1) == 1 ||
		workflow.GetVersion(ctx, change, workflow.DefaultVersion, 1) == 1
}
