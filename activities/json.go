package activities

import "encoding/json"

// asJSONObject returns v as the JSON object a policy sees, so the input recorded in the history is
// exactly what was evaluated.
func asJSONObject(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = json.Unmarshal(data, &out)
	return out, err
}
