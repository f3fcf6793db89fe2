package catalog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/egov-vn/egov"
)

// Record is a procedure read from an import file, with the line it starts
// on so that problems can be reported where the author can find them.
type Record struct {
	Line      int
	Procedure egov.Procedure
}

// ImportError lists every problem of an import file. A file with any
// problem is refused whole.
type ImportError struct {
	Problems []Problem
}

// Problem is one bad spot in an import file.
type Problem struct {
	Line   int    `json:"line"`
	Code   string `json:"code,omitempty"`  // the procedure's code, when known
	Field  string `json:"field,omitempty"` // JSON path or CSV column
	Reason string `json:"reason"`
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tệp nhập có %d lỗi, không có bản ghi nào được lưu", len(e.Problems))
	for i, p := range e.Problems {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … và %d lỗi khác", len(e.Problems)-20)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dòng %d", p.Line)
	if p.Code != "" {
		fmt.Fprintf(&b, " (thủ tục %s)", p.Code)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, ", trường %s", p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

// Is makes an ImportError match egov.ErrInvalid.
func (e *ImportError) Is(target error) bool { return target == egov.ErrInvalid }

// MaxImportSize bounds an import file: ten times the national catalog in
// JSON is well under this.
const MaxImportSize = 512 << 20

func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	if len(data) > MaxImportSize {
		return nil, &ImportError{Problems: []Problem{{Line: 1, Reason: fmt.Sprintf("tệp lớn hơn %d MB", MaxImportSize>>20)}}}
	}
	return data, nil
}

func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	// Skip the separators between the previous value and this one.
	for offset < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[offset]) >= 0 {
		offset++
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// DecodeJSON reads a JSON array of procedure records. Unknown keys are
// errors: a misspelt key would otherwise silently lose data.
func DecodeJSON(r io.Reader) ([]Record, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	syntax := func(err error) error {
		line := lineAt(data, dec.InputOffset())
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = lineAt(data, se.Offset)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &ImportError{Problems: []Problem{{Line: lineAt(data, te.Offset), Field: te.Field,
				Reason: fmt.Sprintf("sai kiểu dữ liệu: cần %s, gặp %s", te.Type, te.Value)}}}
		}
		return &ImportError{Problems: []Problem{{Line: line, Reason: "JSON không hợp lệ: " + err.Error()}}}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, &ImportError{Problems: []Problem{{Line: 1, Reason: "tệp JSON phải là một mảng các thủ tục: [ {...}, {...} ]"}}}
	}
	var out []Record
	for dec.More() {
		line := lineAt(data, dec.InputOffset())
		var p egov.Procedure
		if err := dec.Decode(&p); err != nil {
			ie := syntax(err).(*ImportError)
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if !errors.As(err, &se) && !errors.As(err, &te) {
				// An unknown key: point at the record that has it.
				ie.Problems[0].Line = line
			}
			return nil, ie
		}
		out = append(out, Record{Line: line, Procedure: p})
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ImportError{Problems: []Problem{{Line: lineAt(data, dec.InputOffset()), Reason: "có dữ liệu thừa sau mảng JSON"}}}
	}
	return out, nil
}

// EncodeJSON writes procedures as an indented JSON array, the format
// DecodeJSON reads.
func EncodeJSON(w io.Writer, procs []egov.Procedure) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if procs == nil {
		procs = []egov.Procedure{}
	}
	if err := enc.Encode(procs); err != nil {
		return fmt.Errorf("encode catalog: %w", err)
	}
	return nil
}

// csvColumns is the CSV layout: one procedure a row; lists of plain words
// are joined with ";", nested records are JSON in their cell.
var csvColumns = []string{
	"code", "local_code", "name", "publishing_agency", "status", "field_code", "field_name",
	"levels", "implementing_agencies", "online_level", "processing_days", "ways", "components",
	"form_fields", "steps", "requirements", "legal_basis", "results", "life_events",
	"target_users", "summary", "keywords", "fee_policy",
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// DecodeCSV reads procedures in the layout EncodeCSV writes. The header row
// is required; columns may come in any order; unknown columns are errors.
func DecodeCSV(r io.Reader) ([]Record, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel's byte order mark
	cr := csv.NewReader(bytes.NewReader(data))
	header, err := cr.Read()
	if err != nil {
		return nil, &ImportError{Problems: []Problem{{Line: 1, Reason: "không đọc được dòng tiêu đề CSV: " + err.Error()}}}
	}
	known := map[string]bool{}
	for _, c := range csvColumns {
		known[c] = true
	}
	col := map[string]int{}
	var problems []Problem
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !known[h] {
			problems = append(problems, Problem{Line: 1, Field: h, Reason: "cột không được hỗ trợ; các cột hợp lệ: " + strings.Join(csvColumns, ", ")})
		}
		col[h] = i
	}
	if _, ok := col["code"]; !ok {
		problems = append(problems, Problem{Line: 1, Field: "code", Reason: "thiếu cột code"})
	}
	if len(problems) > 0 {
		return nil, &ImportError{Problems: problems}
	}
	var out []Record
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			problems = append(problems, Problem{Line: line, Reason: "dòng CSV không hợp lệ: " + err.Error()})
			break
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		var p egov.Procedure
		rowProblem := func(field, reason string) {
			problems = append(problems, Problem{Line: line, Code: p.Code, Field: field, Reason: reason})
		}
		jsonCell := func(name string, dst any) {
			s := get(name)
			if s == "" {
				return
			}
			dec := json.NewDecoder(strings.NewReader(s))
			dec.DisallowUnknownFields()
			if err := dec.Decode(dst); err != nil {
				rowProblem(name, "ô JSON không hợp lệ: "+err.Error())
			}
		}
		p.Code = get("code")
		p.LocalCode = get("local_code") == "true" || get("local_code") == "1"
		p.Name = get("name")
		p.PublishingAgency = get("publishing_agency")
		p.Status = get("status")
		p.Field = egov.Field{Code: get("field_code"), Name: get("field_name")}
		for _, l := range splitList(get("levels")) {
			p.Levels = append(p.Levels, egov.Level(l))
		}
		jsonCell("implementing_agencies", &p.ImplementingAgencies)
		p.OnlineLevel = egov.OnlineLevel(get("online_level"))
		if s := get("processing_days"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				rowProblem("processing_days", fmt.Sprintf("%q không phải số nguyên", s))
			}
			p.ProcessingDays = n
		}
		jsonCell("ways", &p.Ways)
		jsonCell("components", &p.Components)
		jsonCell("form_fields", &p.FormFields)
		jsonCell("steps", &p.Steps)
		jsonCell("requirements", &p.Requirements)
		jsonCell("legal_basis", &p.LegalBasis)
		jsonCell("results", &p.Results)
		p.LifeEvents = splitList(get("life_events"))
		for _, u := range splitList(get("target_users")) {
			p.TargetUsers = append(p.TargetUsers, egov.TargetUser(u))
		}
		p.Summary = get("summary")
		p.Keywords = splitList(get("keywords"))
		jsonCell("fee_policy", &p.FeePolicy)
		out = append(out, Record{Line: line, Procedure: p})
	}
	if len(problems) > 0 {
		return nil, &ImportError{Problems: problems}
	}
	return out, nil
}

// EncodeCSV writes procedures in the layout DecodeCSV reads.
func EncodeCSV(w io.Writer, procs []egov.Procedure) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return fmt.Errorf("encode catalog: %w", err)
	}
	js := func(v any) string {
		b, _ := json.Marshal(v) // plain structs: cannot fail
		if string(b) == "null" {
			return ""
		}
		return string(b)
	}
	for _, p := range procs {
		var levels, users []string
		for _, l := range p.Levels {
			levels = append(levels, string(l))
		}
		for _, u := range p.TargetUsers {
			users = append(users, string(u))
		}
		row := []string{
			p.Code, strconv.FormatBool(p.LocalCode), p.Name, p.PublishingAgency, p.Status,
			p.Field.Code, p.Field.Name, strings.Join(levels, ";"), js(p.ImplementingAgencies),
			string(p.OnlineLevel), strconv.Itoa(p.ProcessingDays), js(p.Ways), js(p.Components),
			js(p.FormFields), js(p.Steps), js(p.Requirements), js(p.LegalBasis), js(p.Results),
			strings.Join(p.LifeEvents, ";"), strings.Join(users, ";"), p.Summary, strings.Join(p.Keywords, ";"),
			js(p.FeePolicy),
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("encode catalog: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("encode catalog: %w", err)
	}
	return nil
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Field < ps[j].Field
	})
}
