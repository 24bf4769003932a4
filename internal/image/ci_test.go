package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// ciBlocks are the YAML examples of the README's "In CI" section.
func ciBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(data), "\n## In CI")
	if !ok {
		t.Fatal(`README.md has no "In CI" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var blocks []string
	for {
		var block string
		_, rest, ok := strings.Cut(sec, "```yaml\n")
		if !ok {
			return blocks
		}
		block, sec, _ = strings.Cut(rest, "\n```")
		blocks = append(blocks, block)
	}
}

// The GitHub Actions example: the image as a service with the token, the
// port and the image's own health check, and a container of the job that
// reaches it by name.
func TestREADMEGitHubActionsService(t *testing.T) {
	var gh struct {
		Jobs map[string]struct {
			Env      map[string]string `yaml:"env"`
			Services map[string]struct {
				Image   string            `yaml:"image"`
				Env     map[string]string `yaml:"env"`
				Ports   []string          `yaml:"ports"`
				Options string            `yaml:"options"`
			} `yaml:"services"`
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	found := false
	for _, b := range ciBlocks(t) {
		if !strings.HasPrefix(b, "jobs:") {
			continue
		}
		found = true
		if err := yaml.Unmarshal([]byte(b), &gh); err != nil {
			t.Fatalf("the GitHub Actions example: %v", err)
		}
	}
	if !found {
		t.Fatal("no GitHub Actions example")
	}
	job := gh.Jobs["test"]
	svc, ok := job.Services["sandbox"]
	if !ok {
		t.Fatal("no sandbox service")
	}
	if !strings.HasPrefix(svc.Image, Repository+":") {
		t.Errorf("image %q", svc.Image)
	}
	if tok := svc.Env["BILLCTL_SANDBOX_TOKEN"]; tok == "" || job.Env["BILLCTL_SANDBOX_TOKEN"] != tok {
		t.Errorf("service token %q, job token %q: want the same, set", tok, job.Env["BILLCTL_SANDBOX_TOKEN"])
	}
	if !slices.Contains(svc.Ports, "12111:12111") {
		t.Errorf("ports %q", svc.Ports)
	}
	// The image has no shell: --health-cmd would run through one.
	if strings.Contains(svc.Options, "--health-cmd") || !strings.Contains(svc.Options, "--health-interval") {
		t.Errorf("options %q: want the image's own health check, with its timing", svc.Options)
	}
	var steps []string
	for _, s := range job.Steps {
		steps = append(steps, s.Run)
	}
	all := strings.Join(steps, "\n")
	for _, want := range []string{"--network ${{ job.services.sandbox.network }}", "BILLCTL_SANDBOX_ADDR=sandbox:12111", "-e BILLCTL_SANDBOX_TOKEN", "--sandbox checkout create"} {
		if !strings.Contains(all, want) {
			t.Errorf("the steps do not have %q", want)
		}
	}
}

// The GitLab CI example: the service with the token and --public-url, and
// a job that waits on billctl sandbox ping.
func TestREADMEGitLabService(t *testing.T) {
	var gl map[string]struct {
		Services []struct {
			Name      string            `yaml:"name"`
			Alias     string            `yaml:"alias"`
			Command   []string          `yaml:"command"`
			Variables map[string]string `yaml:"variables"`
		} `yaml:"services"`
		Variables    map[string]string `yaml:"variables"`
		BeforeScript []string          `yaml:"before_script"`
		Script       []string          `yaml:"script"`
	}
	found := false
	for _, b := range ciBlocks(t) {
		if strings.HasPrefix(b, "test:") {
			found = true
			if err := yaml.Unmarshal([]byte(b), &gl); err != nil {
				t.Fatalf("the GitLab CI example: %v", err)
			}
		}
	}
	if !found {
		t.Fatal("no GitLab CI example")
	}
	job := gl["test"]
	if len(job.Services) != 1 {
		t.Fatalf("%d services", len(job.Services))
	}
	s := job.Services[0]
	if !strings.HasPrefix(s.Name, Repository+":") || s.Alias != "sandbox" {
		t.Errorf("service %q alias %q", s.Name, s.Alias)
	}
	if !slices.Equal(s.Command[:len(Cmd)], Cmd) || !slices.Contains(s.Command, "--public-url") {
		t.Errorf("command %q: want the image's default and --public-url", s.Command)
	}
	if tok := s.Variables["BILLCTL_SANDBOX_TOKEN"]; tok == "" || job.Variables["BILLCTL_SANDBOX_TOKEN"] != tok {
		t.Errorf("service token %q, job token %q", tok, job.Variables["BILLCTL_SANDBOX_TOKEN"])
	}
	before := strings.Join(job.BeforeScript, "\n")
	if !strings.Contains(before, "until billctl sandbox ping") || !strings.Contains(before, "BILLCTL_SANDBOX_ADDR=sandbox:12111") {
		t.Errorf("before_script %q: want a wait on billctl sandbox ping at sandbox:12111", before)
	}
	if !strings.Contains(strings.Join(job.Script, "\n"), "billctl --sandbox checkout create") {
		t.Errorf("script %q", job.Script)
	}
}

// docs/compose.yaml: the sandbox with the image's health check, the token,
// --public-url under its service name, and a client that starts once it
// is healthy.
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile("../../docs/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			Volumes     []string          `yaml:"volumes"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	sb, ok := c.Services["sandbox"]
	if !ok {
		t.Fatal("no sandbox service")
	}
	if !strings.HasPrefix(sb.Image, Repository+":") {
		t.Errorf("image %q", sb.Image)
	}
	if !slices.Equal(sb.Healthcheck.Test, HealthTest) {
		t.Errorf("health check %q, want %q", sb.Healthcheck.Test, HealthTest)
	}
	want := append(slices.Clone(Cmd), "--public-url", "http://sandbox:12111")
	if !slices.Equal(sb.Command, want) {
		t.Errorf("command %q, want %q", sb.Command, want)
	}
	if !strings.Contains(sb.Environment["BILLCTL_SANDBOX_TOKEN"], "BILLCTL_SANDBOX_TOKEN") {
		t.Errorf("environment %v: want the token from BILLCTL_SANDBOX_TOKEN", sb.Environment)
	}
	if !slices.Contains(sb.Volumes, "sandbox-data:"+DataDir) || c.Volumes == nil {
		t.Errorf("volumes %q", sb.Volumes)
	}
	if !slices.Contains(sb.Ports, "127.0.0.1:12111:12111") {
		t.Errorf("ports %q: want 12111 on this machine's loopback only", sb.Ports)
	}
	cl, ok := c.Services["tests"]
	if !ok {
		t.Fatal("no tests service")
	}
	if cl.DependsOn["sandbox"].Condition != "service_healthy" {
		t.Errorf("tests depends on %v, want the sandbox healthy", cl.DependsOn)
	}
	if cl.Environment["BILLCTL_SANDBOX_ADDR"] != "sandbox:12111" || cl.Environment["BILLCTL_SANDBOX_TOKEN"] != sb.Environment["BILLCTL_SANDBOX_TOKEN"] {
		t.Errorf("tests environment %v", cl.Environment)
	}
	if len(cl.Command) < 3 || cl.Command[0] != "--sandbox" {
		t.Errorf("tests command %q", cl.Command)
	}
}
