// Command manifestcheck decodes Kubernetes manifests strictly into the upstream API types: k8s.io/api for the
// built-in kinds, KEDA's apis for ScaledObject and prometheus-operator's for ServiceMonitor. A field the type
// does not have (a misspelling), a duplicate field, a wrong value type or a kind no scheme knows fails the check.
//
// It reads a multi-document YAML stream (what `helm template` prints) from the files named on the command line,
// or from stdin, and prints one JSON document: the objects it decoded (each encoded again from its typed form),
// and the problems it found (exit 1 when there is any, or when the input holds no manifest at all).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	serializerjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

type object struct {
	Source     string `json:"source,omitempty"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	// The object as the typed decode saw it, encoded again: what the API server would receive.
	Object json.RawMessage `json:"object"`
}

type problem struct {
	Source   string `json:"source,omitempty"`
	Document int    `json:"document"`
	Error    string `json:"error"`
}

type report struct {
	OK       bool      `json:"ok"`
	Objects  []object  `json:"objects"`
	Problems []problem `json:"problems"`
}

func main() {
	inputs, err := openInputs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "manifestcheck: %v\n", err)
		os.Exit(2)
	}
	rep := report{Objects: []object{}, Problems: []problem{}}
	for _, in := range inputs {
		check(in, &rep)
		in.Close()
	}
	rep.OK = len(rep.Problems) == 0 && len(rep.Objects) > 0
	if len(rep.Objects) == 0 && len(rep.Problems) == 0 {
		rep.Problems = append(rep.Problems, problem{Error: "no manifests in the input"})
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
	if !rep.OK {
		os.Exit(1)
	}
}

func openInputs(paths []string) ([]io.ReadCloser, error) {
	if len(paths) == 0 {
		return []io.ReadCloser{io.NopCloser(os.Stdin)}, nil
	}
	var files []io.ReadCloser
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func check(in io.Reader, rep *report) {
	scheme, err := newScheme()
	if err != nil {
		rep.Problems = append(rep.Problems, problem{Error: err.Error()})
		return
	}
	decoder := serializerjson.NewSerializerWithOptions(serializerjson.DefaultMetaFactory, scheme, scheme,
		serializerjson.SerializerOptions{Yaml: true, Strict: true})
	docs := utilyaml.NewYAMLReader(bufio.NewReader(in))
	for i := 1; ; i++ {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			rep.Problems = append(rep.Problems, problem{Document: i, Error: err.Error()})
			return
		}
		source := sourceOf(doc)
		if isEmpty(doc) {
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			rep.Problems = append(rep.Problems, problem{Source: source, Document: i, Error: err.Error()})
			continue
		}
		meta, ok := obj.(interface{ GetName() string })
		name := ""
		if ok {
			name = meta.GetName()
		}
		if name == "" {
			rep.Problems = append(rep.Problems, problem{Source: source, Document: i, Error: gvk.Kind + " has no metadata.name"})
			continue
		}
		encoded, err := json.Marshal(obj)
		if err != nil {
			rep.Problems = append(rep.Problems, problem{Source: source, Document: i, Error: err.Error()})
			continue
		}
		rep.Objects = append(rep.Objects, object{Source: source, APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: name, Object: encoded})
	}
}

// sourceOf returns the template path helm writes as `# Source: <path>` above each document.
func sourceOf(doc []byte) string {
	for _, line := range strings.Split(string(doc), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "# Source: "); ok {
			return s
		}
	}
	return ""
}

func isEmpty(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			return false
		}
	}
	return true
}
