package catalog

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/egov-vn/egov"
)

// Analyzers. Vietnamese is written in syllables separated by spaces, so the
// unicode tokenizer already yields the units people type; "folded" then
// drops case and diacritics (đ→d included) so that "dang ky" finds
// "Đăng ký", while "exact" keeps the diacritics to reward a query typed
// with them.
const (
	analyzerFolded = "vi_folded"
	analyzerExact  = "vi_exact"
)

//go:embed abbreviations.txt
var abbreviationsText string

// Index is the catalog's search index: an in-memory bleve index of every
// procedure, rebuilt whole when the catalog changes. Procedures change a few
// times a day at most, and rebuilding a national-size catalog takes seconds,
// which is simpler and safer than incremental updates across replicas.
type Index struct {
	idx           bleve.Index
	folded        analysis.Analyzer
	abbreviations map[string]string // folded abbreviation → folded words
	summaries     map[string]Summary
	size          int
}

// Summary is what a search result shows of a procedure.
type Summary struct {
	Code           string            `json:"code"`
	Name           string            `json:"name"`
	Field          egov.Field        `json:"field"`
	OnlineLevel    egov.OnlineLevel  `json:"online_level"`
	ProcessingDays int               `json:"processing_days"`
	Levels         []egov.Level      `json:"levels"`
	TargetUsers    []egov.TargetUser `json:"target_users"`
}

// indexDoc is what bleve stores for a procedure.
type indexDoc struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	NameExact  string   `json:"name_exact"`
	Keywords   string   `json:"keywords"`
	Body       string   `json:"body"`
	Field      string   `json:"field"`
	Levels     []string `json:"levels"`
	Online     string   `json:"online"`
	LifeEvents []string `json:"life_events"`
	Targets    []string `json:"targets"`
	Agencies   []string `json:"agencies"`
}

func indexMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = "bm25"
	if err := m.AddCustomAnalyzer(analyzerFolded, map[string]any{
		"type":          custom.Name,
		"char_filters":  []string{asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("search mapping: %w", err)
	}
	if err := m.AddCustomAnalyzer(analyzerExact, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("search mapping: %w", err)
	}
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = true // phrase queries need positions
		f.DocValues = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("code", kw())
	doc.AddFieldMappingsAt("name", text(analyzerFolded))
	doc.AddFieldMappingsAt("name_exact", text(analyzerExact))
	doc.AddFieldMappingsAt("keywords", text(analyzerFolded))
	body := text(analyzerFolded)
	body.IncludeTermVectors = false
	doc.AddFieldMappingsAt("body", body)
	for _, f := range []string{"field", "levels", "online", "life_events", "targets", "agencies"} {
		doc.AddFieldMappingsAt(f, kw())
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerFolded
	return m, nil
}

// NewIndex builds an index of procs in memory.
func NewIndex(procs []egov.Procedure) (*Index, error) {
	m, err := indexMapping()
	if err != nil {
		return nil, err
	}
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("create search index: %w", err)
	}
	ix := &Index{
		idx:       idx,
		folded:    m.AnalyzerNamed(analyzerFolded),
		summaries: make(map[string]Summary, len(procs)),
		size:      len(procs),
	}
	ix.abbreviations = parseAbbreviations(abbreviationsText, ix.fold)
	batch := idx.NewBatch()
	for i := range procs {
		p := &procs[i]
		if err := batch.Index(p.Code, documentOf(p)); err != nil {
			idx.Close()
			return nil, fmt.Errorf("index procedure %s: %w", p.Code, err)
		}
		ix.summaries[p.Code] = Summary{Code: p.Code, Name: p.Name, Field: p.Field, OnlineLevel: p.OnlineLevel,
			ProcessingDays: p.ProcessingDays, Levels: p.Levels, TargetUsers: p.TargetUsers}
		if batch.Size() >= 1000 {
			if err := idx.Batch(batch); err != nil {
				idx.Close()
				return nil, fmt.Errorf("build search index: %w", err)
			}
			batch.Reset()
		}
	}
	if err := idx.Batch(batch); err != nil {
		idx.Close()
		return nil, fmt.Errorf("build search index: %w", err)
	}
	return ix, nil
}

// Close releases the index.
func (ix *Index) Close() error { return ix.idx.Close() }

// Len is the number of procedures indexed.
func (ix *Index) Len() int { return ix.size }

func documentOf(p *egov.Procedure) indexDoc {
	var body []string
	body = append(body, p.Summary, p.Field.Name)
	for _, r := range p.Results {
		body = append(body, r.Name)
	}
	for _, a := range p.ImplementingAgencies {
		body = append(body, a.Name)
	}
	d := indexDoc{
		Code:       p.Code,
		Name:       p.Name,
		NameExact:  p.Name,
		Keywords:   strings.Join(p.Keywords, " ; "),
		Body:       strings.Join(body, " ; "),
		Field:      p.Field.Code,
		Online:     string(p.OnlineLevel),
		LifeEvents: p.LifeEvents,
	}
	for _, l := range p.Levels {
		d.Levels = append(d.Levels, string(l))
	}
	for _, u := range p.TargetUsers {
		d.Targets = append(d.Targets, string(u))
	}
	for _, a := range p.ImplementingAgencies {
		if a.Code != "" {
			d.Agencies = append(d.Agencies, a.Code)
		}
	}
	return d
}

func parseAbbreviations(text string, fold func(string) []string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		abbr, words, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		a := fold(abbr)
		if len(a) != 1 {
			continue
		}
		out[a[0]] = strings.Join(fold(words), " ")
	}
	return out
}

// fold returns the folded tokens of s, as the index sees them.
func (ix *Index) fold(s string) []string {
	var out []string
	for _, t := range ix.folded.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// Query is a catalog search. Zero values mean "any".
type Query struct {
	Text        string
	Field       string
	Level       egov.Level
	Online      egov.OnlineLevel
	Agency      string     // an agency code
	AgencyLevel egov.Level // that agency's level, resolved by the caller
	LifeEvent   string
	Target      egov.TargetUser
	Limit       int
	Offset      int
}

// Result is a page of search results.
type Result struct {
	Items []Summary `json:"items"`
	Total int       `json:"total"`
}

// minStrictResults is how many procedures must match every word of a query
// for the search not to look further.
const minStrictResults = 3

// Search runs q. Text is matched the way people type: any case, with or
// without diacritics, words in any order, one wrong letter per word, and
// common abbreviations. All words must match (each possibly fuzzily); only
// if nothing matches all words is a result matching some of them returned,
// so that extra words ("thủ tục", "làm", "xin") do not empty the page.
func (ix *Index) Search(q Query) (Result, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	filters := ix.filters(q)
	tokens := ix.fold(q.Text)
	if len(tokens) == 0 {
		return ix.run(withFilters(bleve.NewMatchAllQuery(), filters), q, true)
	}
	strict := ix.textQuery(q.Text, tokens, len(tokens))
	res, err := ix.run(withFilters(strict, filters), q, false)
	if err != nil || res.Total >= minStrictResults || len(tokens) == 1 {
		return res, err
	}
	// Hardly any procedure has every word (people add words such as "mở"
	// or "thủ tục" that names lack): follow those with the procedures that
	// have some of the words, best first. The loose set contains the strict
	// one.
	all := q
	all.Offset, all.Limit = 0, q.Offset+q.Limit
	strictAll, err := ix.run(withFilters(strict, filters), all, false)
	if err != nil {
		return res, err
	}
	loose, err := ix.run(withFilters(ix.textQuery(q.Text, tokens, 1), filters), all, false)
	if err != nil {
		return res, err
	}
	merged := strictAll.Items
	seen := map[string]bool{}
	for _, it := range merged {
		seen[it.Code] = true
	}
	for _, it := range loose.Items {
		if !seen[it.Code] {
			merged = append(merged, it)
		}
	}
	out := Result{Total: loose.Total, Items: []Summary{}}
	if q.Offset < len(merged) {
		out.Items = merged[q.Offset:min(len(merged), q.Offset+q.Limit)]
	}
	return out, nil
}

func withFilters(text query.Query, filters []query.Query) query.Query {
	if len(filters) == 0 {
		return text
	}
	c := bleve.NewConjunctionQuery(text)
	for _, f := range filters {
		c.AddQuery(f)
	}
	return c
}

func term(field, value string) *query.TermQuery {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	return t
}

func (ix *Index) filters(q Query) []query.Query {
	var fs []query.Query
	add := func(field, value string) {
		if value != "" {
			fs = append(fs, term(field, value))
		}
	}
	add("field", q.Field)
	add("levels", string(q.Level))
	add("online", string(q.Online))
	add("life_events", q.LifeEvent)
	add("targets", string(q.Target))
	if q.Agency != "" {
		// A ministry's procedures are those that name it; a local agency
		// carries out every procedure of its level of government.
		byCode := term("agencies", q.Agency)
		if q.AgencyLevel != "" && q.AgencyLevel != egov.LevelCentral {
			fs = append(fs, bleve.NewDisjunctionQuery(byCode, term("levels", string(q.AgencyLevel))))
		} else {
			fs = append(fs, byCode)
		}
	}
	return fs
}

// textQuery matches tokens; at least min of them must match.
func (ix *Index) textQuery(raw string, tokens []string, min int) query.Query {
	perToken := bleve.NewDisjunctionQuery()
	perToken.SetMin(float64(min))
	for _, tok := range tokens {
		perToken.AddQuery(ix.tokenQuery(tok))
	}
	should := []query.Query{perToken}
	folded := strings.Join(tokens, " ")
	if len(tokens) > 1 {
		for field, boost := range map[string]float64{"name": 6, "keywords": 4} {
			p := bleve.NewMatchPhraseQuery(folded)
			p.SetField(field)
			p.SetBoost(boost)
			should = append(should, p)
		}
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r > 0x7f }) {
		// Typed with diacritics: prefer names that have exactly those.
		e := bleve.NewMatchQuery(raw)
		e.SetField("name_exact")
		e.SetOperator(query.MatchQueryOperatorAnd)
		e.SetBoost(2)
		should = append(should, e)
	}
	if ValidProcedureCode(strings.TrimSpace(raw)) {
		c := term("code", strings.TrimSpace(raw))
		c.SetBoost(100)
		should = append(should, c)
	}
	// The per-token part decides what matches; the others only add score.
	b := bleve.NewBooleanQuery()
	b.AddMust(perToken)
	if len(should) > 1 {
		b.AddShould(should[1:]...)
	}
	if ValidProcedureCode(strings.TrimSpace(raw)) {
		// A code alone finds its procedure even though the per-token part
		// does not match it.
		return bleve.NewDisjunctionQuery(b, should[len(should)-1])
	}
	return b
}

// tokenQuery matches one folded token in the name, the keywords or the
// body, exactly or with one wrong letter, or, for an abbreviation, the words
// it stands for.
func (ix *Index) tokenQuery(tok string) query.Query {
	d := bleve.NewDisjunctionQuery()
	for field, boost := range map[string]float64{"name": 3, "keywords": 2, "body": 0.5} {
		t := term(field, tok)
		t.SetBoost(boost)
		d.AddQuery(t)
		if len([]rune(tok)) >= 4 {
			f := bleve.NewFuzzyQuery(tok)
			f.SetField(field)
			f.SetFuzziness(1)
			f.SetPrefix(1)
			f.SetBoost(boost * 0.3)
			d.AddQuery(f)
		}
	}
	if words, ok := ix.abbreviations[tok]; ok {
		for field, boost := range map[string]float64{"name": 3, "keywords": 2} {
			p := bleve.NewMatchPhraseQuery(words)
			p.SetField(field)
			p.SetBoost(boost)
			d.AddQuery(p)
		}
	}
	return d
}

func (ix *Index) run(qq query.Query, q Query, byName bool) (Result, error) {
	req := bleve.NewSearchRequestOptions(qq, q.Limit, q.Offset, false)
	if byName {
		req.SortBy([]string{"code"})
	}
	res, err := ix.idx.Search(req)
	if err != nil {
		return Result{}, fmt.Errorf("search catalog: %w", err)
	}
	out := Result{Items: make([]Summary, 0, len(res.Hits)), Total: int(res.Total)}
	for _, h := range res.Hits {
		if s, ok := ix.summaries[h.ID]; ok {
			out.Items = append(out.Items, s)
		}
	}
	return out, nil
}
