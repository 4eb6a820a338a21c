package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/firebreak-dev/firebreak/incident"
	"github.com/firebreak-dev/firebreak/internal/config"
	"github.com/firebreak-dev/firebreak/internal/config/configtest"
	"github.com/firebreak-dev/firebreak/starter/statuspage"
	"github.com/firebreak-dev/firebreak/workflows"
)

// artifactsEnv names the directory the status page test writes its screenshots to; without it
// they go to the test's temporary directory, which the log names.
const artifactsEnv = "FIREBREAK_TEST_ARTIFACTS"

// statusToken opens /status/internal in the status page test.
const statusToken = "status-e2e-token"

// browser starts headless Chromium with JavaScript off, so the page is seen as a browser without
// scripts sees it. Without chromium the test fails in CI (CI set) and is skipped elsewhere.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: .ci/run installs it (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium); CI runs this test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first call starts the browser, which lives as long as ctx: no timeout on it.
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})))
	return ctx
}

// pageText navigates to url and returns the text the page renders, and its HTML.
func pageText(t *testing.T, ctx context.Context, url string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#components"))))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	require.NoError(t, err)
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	require.NoError(t, err)
	return text, html
}

// screenshot saves the page as it is rendered now, as a test artifact.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	file := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(file, png, 0o644))
	t.Logf("screenshot of the status page: %s (%d bytes)", file, len(png))
}

func TestStatusPageInChromium(t *testing.T) {
	ctx := browser(t)
	cfg := configtest.Organisation()
	cfg.Alerts.Integrations = map[string]config.Integration{config.IntegrationGeneric: {Token: statusToken}}
	cfg.StatusPage.Cache = config.Duration(config.MinStatusCache)
	cfg.StatusPage.Refresh = config.Duration(config.MinStatusRefresh)
	fb := startFirebreak(t, options{config: cfg})
	base := "http://" + fb.service.HTTPAddr()

	// A declared incident is confirmed at once and tells customers; a private one never does.
	fb.cli("incident", "start", "--service", "checkout", "--title", "Checkout errors on db-prod-3",
		"--impact", "customers=some", "--id", "status-public")
	fb.cli("incident", "start", "--service", "reports", "--title", "Leaked report links", "--type", "security",
		"--impact", "customers=all", "--impact", "security_breach=true", "--id", "status-private", "--private")
	var public, private workflows.State
	require.Eventually(t, func() bool {
		public, private = fb.state("status-public"), fb.state("status-private")
		return externalUpdate(public) != "" && len(public.Responders) > 0 && private.ConfirmedAt != nil
	}, waitFor, 100*time.Millisecond, "the public incident's investigating update")
	require.True(t, private.Private)
	responder := public.Responders[0].Person
	fb.cli("incident", "ack", "status-public", "--as", responder)
	fb.cli("incident", "assign", "status-public", "--role", "commander", "--person", "ana", "--as", responder)
	fb.cli("incident", "assign", "status-public", "--role", "communications_lead", "--person", responder, "--as", "ana")
	update := externalUpdate(public)

	// The public page: the open incident, its public update and the component's state.
	time.Sleep(time.Duration(cfg.StatusPage.Cache)) // a look taken before the roles changed is stale now
	text, html := pageText(t, ctx, base+"/status")
	require.Contains(t, text, "Incident affecting Checkout")
	require.Contains(t, text, "Incident status-public")
	require.Contains(t, text, update)
	want := statuspage.ComponentStatus(public.Severity)
	require.NotEqual(t, statuspage.StatusOperational, want)
	require.Contains(t, html, fmt.Sprintf(`<li id="component-checkout" data-status="%s">`, want))
	require.Contains(t, html, `<li id="component-reports" data-status="operational">`, "the private incident does not show in its component")
	// The private incident, and the internal title, are absent.
	for _, hidden := range []string{"status-private", "Leaked report links", "db-prod-3"} {
		require.NotContains(t, html, hidden)
	}
	require.Contains(t, html, `<meta http-equiv="refresh" content="5">`)
	screenshot(t, ctx, "status-public.png")

	// The page reloads itself, without scripts: a new incident appears with no navigation.
	fb.cli("incident", "start", "--service", "search", "--title", "Search slow", "--impact", "customers=some",
		"--id", "status-later")
	require.Eventually(t, func() bool { return externalUpdate(fb.state("status-later")) != "" }, waitFor, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		return err == nil && strings.Contains(text, "Incident status-later")
	}, 30*time.Second, 500*time.Millisecond, "the meta refresh reloaded the page")

	// What a look at Temporal costs, and what a page view within the cache's life costs.
	time.Sleep(time.Duration(cfg.StatusPage.Cache))
	for _, which := range []string{"a look at 3 open incidents (visibility and 3 state queries)", "a cached view"} {
		start := time.Now()
		resp, err := http.Get(base + "/status.json")
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		t.Logf("GET /status.json, %s: %s", which, time.Since(start).Round(10*time.Microsecond))
	}

	// The internal page needs the token, then shows roles, responders and the private incident.
	resp, err := http.Get(base + "/status/internal")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.NotContains(t, string(body), "Leaked report links")
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Authorization": "Bearer " + statusToken},
		})
		return err
	})))
	text, _ = pageText(t, ctx, base+"/status/internal")
	require.Contains(t, text, "Checkout errors on db-prod-3")
	require.Regexp(t, `commander\s+ana`, text)
	require.Regexp(t, `communications_lead\s+`+responder, text)
	require.Contains(t, text, "Engaged responders")
	require.Contains(t, text, "Leaked report links")
	require.Contains(t, text, "private")
	require.Contains(t, text, string(incident.Sev1), "the private security incident's severity")
	screenshot(t, ctx, "status-internal.png")
}

// externalUpdate returns the text of the incident's latest public update, or "".
func externalUpdate(s workflows.State) string {
	for i := len(s.Messages) - 1; i >= 0; i-- {
		if s.Messages[i].Audience == incident.AudienceExternal {
			return s.Messages[i].Text
		}
	}
	return ""
}
