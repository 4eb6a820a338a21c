package runbooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/runbook"
)

// TestEveryRunbookHereIsValid loads every *.yaml in this directory, as CI does: the examples
// must stay valid.
func TestEveryRunbookHereIsValid(t *testing.T) {
	paths, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	files, err := Load(".")
	require.NoError(t, err)
	require.Len(t, files, len(paths))
	var names []string
	for _, f := range files {
		names = append(names, f.Runbook.Name)
		require.Equal(t, strings.TrimSuffix(filepath.Base(f.Path), ".yaml"), f.Runbook.Name, "a runbook's file is named after it")
		require.True(t, strings.HasPrefix(f.Runbook.Hash, runbook.HashPrefix), f.Path)
		require.NotNil(t, f.Compiled)
	}
	for _, want := range []string{"ecs-rollback", "lambda-rollback", "feature-kill-switch", "github-revert"} {
		require.Contains(t, names, want)
	}
}

// TestDefinitionJSONHasTheFileShape checks that a definition marshals to JSON the schema
// accepts, so that the file format and the workflow input are one format.
func TestDefinitionJSONHasTheFileShape(t *testing.T) {
	s, err := compileSchema()
	require.NoError(t, err)
	files, err := Load(".")
	require.NoError(t, err)
	for _, f := range files {
		data, err := json.Marshal(f.Runbook)
		require.NoError(t, err)
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
		require.NoError(t, err)
		delete(inst.(map[string]any), "hash")
		errs, _ := s.validate(inst)
		require.Empty(t, errs, f.Path)
	}
}

func TestHashIgnoresHowTheFileIsWritten(t *testing.T) {
	l, err := NewLoader()
	require.NoError(t, err)
	a := "name: x\n# a comment\nsteps:\n  - id: a\n    action: notify\n    with:\n      message: hi\n"
	b := "steps: [{action: notify, id: a, with: {message: 'hi'}}]\nname: \"x\"\n"
	c := "name: x\nsteps:\n  - id: a\n    action: notify\n    with:\n      message: hello\n"
	fa, err := l.Parse("a.yaml", []byte(a))
	require.NoError(t, err)
	fb, err := l.Parse("b.yaml", []byte(b))
	require.NoError(t, err)
	fc, err := l.Parse("c.yaml", []byte(c))
	require.NoError(t, err)
	require.Equal(t, fa.Runbook.Hash, fb.Runbook.Hash)
	require.NotEqual(t, fa.Runbook.Hash, fc.Runbook.Hash)
}

func TestBrokenRunbooks(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"syntax.yaml", []string{
			"testdata/syntax.yaml:6:1: invalid YAML: found unexpected end of stream",
		}},
		{"empty.yaml", []string{
			"testdata/empty.yaml:1:1: empty file: a runbook needs at least a name and steps",
		}},
		{"two_documents.yaml", []string{
			"testdata/two_documents.yaml:7:1: more than one YAML document: put each runbook in its own file",
		}},
		{"not_a_map.yaml", []string{
			"testdata/not_a_map.yaml:1:1: a runbook is a map of fields: name, description, match, params and steps",
		}},
		{"anchors.yaml", []string{
			"testdata/anchors.yaml:3:5: YAML anchors and aliases are not supported: write the value out",
			"testdata/anchors.yaml:8:5: YAML anchors and aliases are not supported: write the value out",
		}},
		{"duplicate_key.yaml", []string{
			`testdata/duplicate_key.yaml:7:7: key "message" is repeated; it is first at line 6`,
		}},
		{"unknown_fields.yaml", []string{
			`testdata/unknown_fields.yaml:2:1: descripton: unknown field "descripton"; fields: name, description, match, params, steps`,
			`testdata/unknown_fields.yaml:6:5: steps[0].wth: unknown field "wth"; fields: id, action, with, timeout, retry, when, approval, undo, outputs (or parallel alone)`,
			`testdata/unknown_fields.yaml:8:5: steps[1]: missing field "id"`,
			`testdata/unknown_fields.yaml:18:7: steps[2].undo.when: unknown field "when"; an undo step has action, with, timeout and retry`,
		}},
		{"bad_types.yaml", []string{
			"testdata/bad_types.yaml:5:15: params[0].required: want true or false, not a string",
			`testdata/bad_types.yaml:9:14: steps[0].timeout: invalid duration "5 minutes": use a number and a unit, such as 90s, 10m or 1h30m`,
			"testdata/bad_types.yaml:10:15: steps[0].approval: want true or false or a string, not a number",
			"testdata/bad_types.yaml:11:5: steps[0].with: want a map, not a list",
		}},
		{"references.yaml", []string{
			`testdata/references.yaml:10:34: steps[0].with.message: unknown param "clustr"; params: cluster`,
			`testdata/references.yaml:10:61: steps[0].with.message: step "rollback" runs after this step (steps[1])`,
			`testdata/references.yaml:13:26: steps[1].when: found no matching overload for '_>_' applied to '(string, int)'`,
			`testdata/references.yaml:25:15: steps[2].parallel[1].when: step "health" runs in parallel with this step: use its outputs in a later step`,
			`testdata/references.yaml:33:20: steps[3].with.message: step "rollback" (aws.ecs_rollback) has no output "too"; outputs: already_in_place, from, to`,
		}},
		{"parameters.yaml", []string{
			`testdata/parameters.yaml:10:13: steps[0].with.repo: invalid repository "shop": write it as owner/name`,
			`testdata/parameters.yaml:12:15: steps[0].with.branch: github.revert_pull_request has no parameter "branch"; it takes repo, commit, base, title`,
			`testdata/parameters.yaml:15:5: steps[1].with: github.comment_issue needs the parameter "body"`,
			"testdata/parameters.yaml:17:15: steps[1].with.number: text with ${{ }} inside is a string; want an integer: write the value as one ${{ }} and nothing else",
			"testdata/parameters.yaml:23:12: steps[2].with.ref: want a string, not a number: quote the value",
			"testdata/parameters.yaml:24:13: steps[2].with.wait: want true or false, not a string",
		}},
		{"expressions.yaml", []string{
			"testdata/expressions.yaml:9:14: match.condition: a match condition cannot use params",
			// A folded block (>-) joins lines, so the problem is shown at the block's start.
			"testdata/expressions.yaml:14:16: steps[0].with.message: expression has type list(string), which cannot be written into text; for a list use join()",
			"testdata/expressions.yaml:19:11: steps[1].when: a condition is an expression already: write it without ${{ }}",
			"testdata/expressions.yaml:21:29: steps[1].with.duration: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}",
			// A quoted string with an escape ('') is shown at its start.
			"testdata/expressions.yaml:25:16: steps[2].with.message: only a step's outputs can use result",
		}},
		{"value_errors.yaml", []string{
			`testdata/value_errors.yaml:1:7: name: invalid name "Value_Errors": use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 63`,
			`testdata/value_errors.yaml:3:11: params[0].name: invalid param name "Cluster": use a lowercase letter, then lowercase letters, digits and underscores, at most 63`,
			"testdata/value_errors.yaml:9:21: steps[0].retry.max_attempts: max_attempts 11 is out of range: want 1 to 10",
			`testdata/value_errors.yaml:13:13: steps[1].action: unknown action "slack.post"; actions: approval, aws.appconfig_flag, aws.codedeploy_stop, aws.ecs_rollback, aws.lambda_rollback, aws.ssm_automation, github.comment_issue, github.create_deployment, github.dispatch_workflow, github.revert_pull_request, http_check, notify, wait, wait_alerts_resolved`,
		}},
	}
	l, err := NewLoader()
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := l.LoadFile(filepath.Join("testdata", tt.file))
			require.Nil(t, f)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLoadDirectory(t *testing.T) {
	files, err := Load("testdata/dupnames")
	require.EqualError(t, err, `testdata/dupnames/b.yml:1:7: name: runbook name "same" is also used by testdata/dupnames/a.yaml`)
	require.Len(t, files, 1, "the first runbook of the name is still loaded")
	require.Equal(t, "testdata/dupnames/a.yaml", files[0].Path)
}

func TestLoadPaths(t *testing.T) {
	tests := []struct {
		name      string
		paths     []string
		wantNames []string
		wantErr   string
	}{
		{"a file", []string{"ecs-rollback.yaml"}, []string{"ecs-rollback"}, ""},
		{"a file given twice is read once", []string{"ecs-rollback.yaml", "./ecs-rollback.yaml"}, []string{"ecs-rollback"}, ""},
		{"a missing path", []string{"nowhere.yaml", "github-revert.yaml"}, []string{"github-revert"}, "nowhere.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Load(tt.paths...)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Runbook.Name)
			}
			require.Equal(t, tt.wantNames, names)
		})
	}
}

func TestLoadReadsRegularFilesAndLinks(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs("ecs-rollback.yaml")
	require.NoError(t, err)
	require.NoError(t, os.Symlink(abs, filepath.Join(dir, "linked.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "broken.yaml")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755))

	files, err := Load(dir)
	require.EqualError(t, err, filepath.Join(dir, "broken.yaml")+": no such file or directory")
	require.Len(t, files, 1)
	require.Equal(t, "ecs-rollback", files[0].Runbook.Name)

	_, err = Load(filepath.Join(dir, "fifo.yaml"))
	require.EqualError(t, err, filepath.Join(dir, "fifo.yaml")+": not a regular file")
}

func TestParseBounds(t *testing.T) {
	deep := "name: deep\nsteps:\n  - id: a\n    action: notify\n    with:\n      message: " + strings.Repeat("[", MaxDepth+5) + strings.Repeat("]", MaxDepth+5) + "\n"
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"too large", []byte("name: x\n# " + strings.Repeat("x", MaxFileSize) + "\n"), "big.yaml: file is larger than 1048576 bytes"},
		{"not UTF-8", []byte("name: \xff\n"), "big.yaml:1:1: file is not UTF-8 text"},
		{"nested too deep", []byte(deep), "big.yaml:6:45: nested more than 32 levels deep"},
		{"a tag", []byte("name: !custom x\nsteps: []\n"), `big.yaml:1:7: YAML tag "!custom" is not supported`},
		{"a merge key", []byte("name: x\nsteps:\n  - <<: {id: a}\n    action: notify\n"), "big.yaml:3:5: YAML merge keys (<<) are not supported: write the fields out"},
		{"control characters are escaped", []byte("name: \"a\\e[31m\"\nsteps: []\n"), `big.yaml:1:7: name: invalid name "a\x1b[31m": use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 63`},
	}
	l, err := NewLoader()
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Parse("big.yaml", tt.data)
			require.Error(t, err)
			require.Equal(t, tt.want, strings.Split(err.Error(), "\n")[0])
		})
	}
}

func TestSchemaNamesEveryCatalogAction(t *testing.T) {
	var doc struct {
		Defs struct {
			Action struct {
				Enum []string `json:"enum"`
			} `json:"action"`
			Param struct {
				Properties struct {
					Type struct {
						Enum []string `json:"enum"`
					} `json:"type"`
				} `json:"properties"`
			} `json:"param"`
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(Schema(), &doc))
	var names []string
	for _, a := range runbook.Actions() {
		names = append(names, a.Name)
	}
	require.Equal(t, names, doc.Defs.Action.Enum)
	var types []string
	for _, pt := range runbook.ParamTypes() {
		types = append(types, string(pt))
	}
	require.Equal(t, types, doc.Defs.Param.Properties.Type.Enum)
}

func TestSchemaIsDraft2020(t *testing.T) {
	var doc map[string]any
	require.NoError(t, json.Unmarshal(Schema(), &doc))
	require.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc["$schema"])
	require.Equal(t, SchemaID, doc["$id"])
	// The file on disk is the one embedded.
	onDisk, err := os.ReadFile("schema.json")
	require.NoError(t, err)
	require.Equal(t, onDisk, Schema())
	require.True(t, slices.Equal(onDisk, schemaJSON))
}
