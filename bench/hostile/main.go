// Command hostile measures what hostile LIVE functions take from a good
// distribution on the same edgefn serve: the good distribution's throughput
// and p99 latency alone and beside connections that loop on functions that
// never end (an infinite loop, string doubling), alternating the two phases
// in the same run, and the server's peak RSS. Every phase sends a fixed
// number of requests. Run: go run ./bench/hostile -edgefn PATH (a built
// cmd/edgefn).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

func main() {
	bin := flag.String("edgefn", "", "edgefn binary")
	goodConns := flag.Int("good", 8, "connections to the good distribution")
	hostileConns := flag.Int("hostile", 8, "connections looping on the hostile functions")
	requests := flag.Int("requests", 4000, "requests to the good distribution per phase")
	rounds := flag.Int("rounds", 3, "alone/beside rounds")
	flag.Parse()
	if err := run(*bin, *goodConns, *hostileConns, *requests, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

const (
	apiAddr  = "127.0.0.1:18480"
	edgeAddr = "127.0.0.1:18481"
)

func run(bin string, goodConns, hostileConns, requests, rounds int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "good") }))
	dir, err := os.MkdirTemp("", "hostile")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	serve := exec.Command(bin, "serve", "--data", dir, "--api-addr", apiAddr, "--edge-addr", edgeAddr, "--log-level", "error")
	serve.Stderr = os.Stderr
	if err := serve.Start(); err != nil {
		return err
	}
	defer serve.Process.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	port := ln.Addr().(*net.TCPAddr).Port
	good, err := distribution(ctx, "good", `function handler(event) { event.request.headers['x-good'] = {value: '1'}; return event.request; }`, port)
	if err != nil {
		return err
	}
	loop, err := distribution(ctx, "loop", `function handler(event) { while (true) {} }`, port)
	if err != nil {
		return err
	}
	bomb, err := distribution(ctx, "bomb", `function handler(event) { var s = 'x'; for (;;) s = s + s; }`, port)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: goodConns + hostileConns}, Timeout: time.Minute}
	for _, host := range []string{good, loop, bomb} {
		for status := 0; status == 0 || status == http.StatusForbidden; time.Sleep(50 * time.Millisecond) {
			status, _ = get(ctx, client, host)
		}
	}
	fmt.Printf("good: %d connections, %d requests a phase; hostile: %d connections (loop, string doubling)\n", goodConns, requests, hostileConns)
	for r := range rounds {
		alone := phase(ctx, client, good, goodConns, requests, nil, 0)
		beside := phase(ctx, client, good, goodConns, requests, []string{loop, bomb}, hostileConns)
		fmt.Printf("round %d: alone %.0f req/s p99 %v; beside %.0f req/s p99 %v non-2xx %d (hostile: %v); kept %.1f %%\n",
			r+1, alone.rate, alone.p99, beside.rate, beside.p99, beside.bad, beside.hostile, 100*beside.rate/alone.rate)
	}
	peak, err := peakRSS(serve.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("peak RSS of edgefn serve: %d MB\n", peak>>20)
	return nil
}

type result struct {
	rate    float64
	p99     time.Duration
	bad     int
	hostile map[int]int
}

// phase sends requests to host over conns connections, with hostileConns
// connections looping on the hostile hosts until they are done.
func phase(ctx context.Context, c *http.Client, host string, conns, requests int, hostile []string, hostileConns int) result {
	stop := make(chan struct{})
	var mu sync.Mutex
	res := result{hostile: map[int]int{}}
	var hw sync.WaitGroup
	for i := range hostileConns {
		hw.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, _ := get(ctx, c, hostile[i%len(hostile)])
				mu.Lock()
				res.hostile[status]++
				mu.Unlock()
			}
		})
	}
	var wg sync.WaitGroup
	lat := make([]time.Duration, 0, requests)
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for range requests / conns {
				t := time.Now()
				status, _ := get(ctx, c, host)
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				if status < 200 || status > 299 {
					res.bad++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	hw.Wait()
	slices.Sort(lat)
	res.rate = float64(len(lat)) / elapsed.Seconds()
	res.p99 = lat[len(lat)*99/100].Round(10 * time.Microsecond)
	return res
}

func get(ctx context.Context, c *http.Client, host string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+edgeAddr+"/", nil)
	if err != nil {
		return 0, err
	}
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// distribution publishes code as a viewer-request function in front of the
// origin on localhost:port and returns the distribution's domain.
func distribution(ctx context.Context, name, code string, port int) (string, error) {
	// edgefn serve's development key pair (README.md).
	c := cloudfront.New(cloudfront.Options{
		BaseEndpoint: aws.String("http://" + apiAddr),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAEDGEFNDEVELOPER1", "edgefn-development-secret-do-not-use", ""),
		Retryer:      aws.NopRetryer{},
	})
	var fn *cloudfront.CreateFunctionOutput
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		fn, err = c.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: []byte(code),
			FunctionConfig: &types.FunctionConfig{Comment: aws.String("bench/hostile"), Runtime: types.FunctionRuntimeCloudfrontJs20}})
		if err == nil || time.Now().After(deadline) {
			break // the first calls may come before serve listens
		}
	}
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	live, err := c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: fn.ETag})
	if err != nil {
		return "", fmt.Errorf("publish function %s: %w", name, err)
	}
	out, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
		CallerReference: aws.String(name),
		Comment:         aws.String("bench/hostile"),
		Enabled:         aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("origin"), DomainName: aws.String("localhost"),
			CustomOriginConfig: &types.CustomOriginConfig{
				HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly,
			},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("origin"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			FunctionAssociations: &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{
				{EventType: types.EventTypeViewerRequest, FunctionARN: live.FunctionSummary.FunctionMetadata.FunctionARN},
			}},
		},
	}})
	if err != nil {
		return "", fmt.Errorf("create distribution %s: %w", name, err)
	}
	return *out.Distribution.DomainName, nil
}

// peakRSS is VmHWM of /proc/pid/status, in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB$`).FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
	}
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10, err
}
