package aws

import (
	"context"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/internal/mototest"
)

// ecsFixture creates cluster prod with task definition family checkout at revisions 1..3
// (those in inactive deregistered) and service checkout-api on revision current with
// desiredCount desired.
func ecsFixture(t *testing.T, client *ecs.Client, current string, desired int32, inactive ...int) {
	t.Helper()
	// moto loads a service on its first call: slow on a busy machine.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: awssdk.String("prod")})
	require.NoError(t, err)
	for range 3 {
		_, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family: awssdk.String("checkout"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{
				{Name: awssdk.String("app"), Image: awssdk.String("registry.example/checkout:1"), Memory: awssdk.Int32(128)},
			},
		})
		require.NoError(t, err)
	}
	// Another family whose name starts with the same prefix must not be picked.
	_, err = client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: awssdk.String("checkout-worker"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: awssdk.String("app"), Image: awssdk.String("registry.example/worker:1"), Memory: awssdk.Int32(128)},
		},
	})
	require.NoError(t, err)
	for _, r := range inactive {
		_, err := client.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{
			TaskDefinition: awssdk.String("checkout:" + string(rune('0'+r))),
		})
		require.NoError(t, err)
	}
	_, err = client.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster:        awssdk.String("prod"),
		ServiceName:    awssdk.String("checkout-api"),
		TaskDefinition: awssdk.String(current),
		DesiredCount:   awssdk.Int32(desired),
	})
	require.NoError(t, err)
}

// ecsState returns the service's task definition as family:revision and its tags.
func ecsState(t *testing.T, client *ecs.Client) (string, map[string]string) {
	t.Helper()
	out, err := client.DescribeServices(t.Context(), &ecs.DescribeServicesInput{
		Cluster: awssdk.String("prod"), Services: []string{"checkout-api"},
		Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags},
	})
	require.NoError(t, err)
	require.Len(t, out.Services, 1)
	tags := map[string]string{}
	for _, tag := range out.Services[0].Tags {
		tags[awssdk.ToString(tag.Key)] = awssdk.ToString(tag.Value)
	}
	return shortTaskDefinition(awssdk.ToString(out.Services[0].TaskDefinition)), tags
}

func TestRollbackECSService(t *testing.T) {
	// Every service moto creates reports one running task.
	base := mototest.Start(t, "MOTO_ECS_SERVICE_RUNNING=1")
	useEndpoint(t, base)
	a, cfg := newActivities(t, 300*time.Millisecond)
	client := ecs.NewFromConfig(cfg)
	arn := func(td string) string { return "arn:aws:ecs:us-east-1:123456789012:task-definition/" + td }

	tests := []struct {
		name      string
		current   string
		desired   int32
		inactive  []int
		input     func(*ECSRollbackInput)
		heartbeat *ecsProgress
		// before runs the activity once first, as an earlier attempt of the same step.
		before  bool
		want    ECSRollbackOutput
		wantOn  string
		wantErr *errorWant
	}{
		{
			name: "previous ACTIVE revision, waits until stable", current: "checkout:3", desired: 1,
			want: ECSRollbackOutput{From: "checkout:3", To: "checkout:2"}, wantOn: "checkout:2",
		},
		{
			name: "skips an INACTIVE revision", current: "checkout:3", desired: 1, inactive: []int{2},
			want: ECSRollbackOutput{From: "checkout:3", To: "checkout:1"}, wantOn: "checkout:1",
		},
		{
			name: "named revision by ARN", current: "checkout:3", desired: 1,
			input: func(in *ECSRollbackInput) { in.TaskDefinition = arn("checkout:1") },
			want:  ECSRollbackOutput{From: "checkout:3", To: "checkout:1"}, wantOn: "checkout:1",
		},
		{
			name: "already in place: the service is on the named revision", current: "checkout:2", desired: 1,
			input: func(in *ECSRollbackInput) { in.TaskDefinition = "checkout:2" },
			want:  ECSRollbackOutput{From: "checkout:2", To: "checkout:2", AlreadyInPlace: true}, wantOn: "checkout:2",
		},
		{
			name: "a retry of the step does not roll back a second revision", current: "checkout:3", desired: 1,
			before: true,
			want:   ECSRollbackOutput{From: "checkout:3", To: "checkout:2", AlreadyInPlace: true}, wantOn: "checkout:2",
		},
		{
			name: "an attempt resumes the target its predecessor recorded", current: "checkout:3", desired: 1,
			heartbeat: &ecsProgress{From: arn("checkout:3"), To: arn("checkout:1")},
			want:      ECSRollbackOutput{From: "checkout:3", To: "checkout:1"}, wantOn: "checkout:1",
		},
		{
			name: "an attempt finds the target from the origin its predecessor recorded", current: "checkout:2", desired: 1,
			heartbeat: &ecsProgress{From: arn("checkout:3")},
			want:      ECSRollbackOutput{From: "checkout:3", To: "checkout:2", AlreadyInPlace: true}, wantOn: "checkout:2",
		},
		{
			name: "no wait", current: "checkout:3", desired: 5,
			input: func(in *ECSRollbackInput) { no := false; in.Wait = &no },
			want:  ECSRollbackOutput{From: "checkout:3", To: "checkout:2"}, wantOn: "checkout:2",
		},
		{
			name: "a service that never becomes stable times out", current: "checkout:3", desired: 5,
			wantOn:  "checkout:2",
			wantErr: &errorWant{errType: ErrTimeout, nonRetryable: true, contains: "1 of 5 tasks running"},
		},
		{
			name: "no older revision", current: "checkout:1", desired: 1, wantOn: "checkout:1",
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "no older ACTIVE revision"},
		},
		{
			name: "unknown task definition", current: "checkout:3", desired: 1, wantOn: "checkout:3",
			input:   func(in *ECSRollbackInput) { in.TaskDefinition = "checkout:9" },
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "checkout:9"},
		},
		{
			name: "unknown service", current: "checkout:3", desired: 1, wantOn: "checkout:3",
			input:   func(in *ECSRollbackInput) { in.Service = "search-api" },
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true, contains: "search-api"},
		},
		{
			name: "unknown cluster", current: "checkout:3", desired: 1, wantOn: "checkout:3",
			input:   func(in *ECSRollbackInput) { in.Cluster = "staging" },
			wantErr: &errorWant{errType: ErrNotFound, nonRetryable: true},
		},
		{
			name: "bad task definition is bad input", current: "checkout:3", desired: 1, wantOn: "checkout:3",
			input:   func(in *ECSRollbackInput) { in.TaskDefinition = "checkout" },
			wantErr: &errorWant{errType: ErrBadInput, nonRetryable: true, contains: "family:revision"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mototest.Reset(t, base)
			ecsFixture(t, client, tt.current, tt.desired, tt.inactive...)
			in := ECSRollbackInput{Cluster: "prod", Service: "checkout-api", IdempotencyKey: testKey}
			if tt.input != nil {
				tt.input(&in)
			}
			if tt.before {
				_, err := newEnv(a).ExecuteActivity(a.RollbackECSService, in)
				require.NoError(t, err)
			}
			env := newEnv(a)
			if tt.heartbeat != nil {
				env.SetHeartbeatDetails(*tt.heartbeat)
			}
			val, err := env.ExecuteActivity(a.RollbackECSService, in)
			on, tags := ecsState(t, client)
			require.Equal(t, tt.wantOn, on, "task definition of the service")
			if tt.wantErr != nil {
				requireError(t, *tt.wantErr, err)
				return
			}
			require.NoError(t, err)
			var got ECSRollbackOutput
			require.NoError(t, val.Get(&got))
			require.Equal(t, tt.want, got)
			if tt.heartbeat == nil && (!got.AlreadyInPlace || tt.before) {
				// The idempotency key reached the service's tags.
				require.Equal(t, testKey, tags[tagRollbackKey])
				require.Equal(t, tt.want.From, tags[tagRollbackFrom])
			}
		})
	}
}

func TestECSRollbackInputSummary(t *testing.T) {
	no := false
	tests := []struct {
		name string
		in   ECSRollbackInput
		want string
	}{
		{"named", ECSRollbackInput{Cluster: "prod", Service: "checkout-api", TaskDefinition: "checkout:41"},
			"roll back ECS service checkout-api in cluster prod to task definition checkout:41 and wait until it is stable"},
		{"previous, ARNs, no wait", ECSRollbackInput{
			Cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", Service: "arn:aws:ecs:eu-west-1:123456789012:service/prod/checkout-api",
			TaskDefinition: "", Wait: &no},
			"roll back ECS service checkout-api in cluster prod to its previous task definition revision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.in.Summary())
			require.False(t, strings.Contains(tt.in.Summary(), "\n"))
		})
	}
}

// failingECS is an ECS whose rollout of any update fails, which moto cannot emulate.
type failingECS struct {
	ecsAPI
	updated bool
}

func (f *failingECS) DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	svc := ecstypes.Service{
		Status: awssdk.String("ACTIVE"), ServiceArn: awssdk.String("arn:aws:ecs:us-east-1:123456789012:service/prod/checkout-api"),
		TaskDefinition: awssdk.String("arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:3"),
		DesiredCount:   2, RunningCount: 2,
		Deployments: []ecstypes.Deployment{{Status: awssdk.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateCompleted}},
	}
	if f.updated {
		svc.TaskDefinition = awssdk.String("arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:1")
		svc.Deployments = []ecstypes.Deployment{
			{Status: awssdk.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateFailed,
				RolloutStateReason: awssdk.String("ECS deployment circuit breaker: tasks failed to start.\x1b[2J")},
			{Status: awssdk.String("ACTIVE"), RolloutState: ecstypes.DeploymentRolloutStateCompleted},
		}
	}
	return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{svc}}, nil
}

func (f *failingECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &ecstypes.TaskDefinition{
		TaskDefinitionArn: awssdk.String("arn:aws:ecs:us-east-1:123456789012:task-definition/" + awssdk.ToString(in.TaskDefinition)),
	}}, nil
}

func (f *failingECS) TagResource(context.Context, *ecs.TagResourceInput, ...func(*ecs.Options)) (*ecs.TagResourceOutput, error) {
	return &ecs.TagResourceOutput{}, nil
}

func (f *failingECS) UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	f.updated = true
	return &ecs.UpdateServiceOutput{}, nil
}

func TestRollbackECSServiceFailedRollout(t *testing.T) {
	fake := &failingECS{}
	a := &Activities{ecs: fake, logger: New(awssdk.Config{}, nil, Options{}).logger, poll: time.Millisecond, maxWait: time.Second}
	_, err := newEnv(a).ExecuteActivity(a.RollbackECSService,
		ECSRollbackInput{Cluster: "prod", Service: "checkout-api", TaskDefinition: "checkout:1", IdempotencyKey: testKey})
	requireError(t, errorWant{errType: ErrFailed, nonRetryable: true, contains: "deployment failed: ECS deployment circuit breaker"}, err)
	require.NotContains(t, err.Error(), "\x1b", "text from AWS is cleaned")
	require.True(t, fake.updated)
}

func TestRecordedRollbackReadsTheServicesTags(t *testing.T) {
	tag := func(k, v string) ecstypes.Tag { return ecstypes.Tag{Key: awssdk.String(k), Value: awssdk.String(v)} }
	tests := []struct {
		name string
		tags []ecstypes.Tag
		want ecsProgress
	}{
		{"no tags", nil, ecsProgress{}},
		{"another step's key", []ecstypes.Tag{tag(tagRollbackKey, "other"), tag(tagRollbackFrom, "checkout:3")}, ecsProgress{}},
		{"the origin: the target is found again from it",
			[]ecstypes.Tag{tag(tagRollbackKey, testKey), tag(tagRollbackFrom, "checkout:3")}, ecsProgress{From: "checkout:3"}},
		{"origin and target, as versions before 2026-12-02 tagged",
			[]ecstypes.Tag{tag(tagRollbackKey, testKey), tag(tagRollbackFrom, "checkout:3"), tag(tagRollbackTo, "checkout:2")},
			ecsProgress{From: "checkout:3", To: "checkout:2"}},
		{"a target without a usable origin starts from the current revision",
			[]ecstypes.Tag{tag(tagRollbackKey, testKey), tag(tagRollbackFrom, "junk"), tag(tagRollbackTo, "checkout:2")},
			ecsProgress{From: "checkout:2", To: "checkout:2"}},
		{"a malformed origin is ignored", []ecstypes.Tag{tag(tagRollbackKey, testKey), tag(tagRollbackFrom, "checkout")}, ecsProgress{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, recordedRollback(tt.tags, testKey, "checkout:2"))
		})
	}
}
