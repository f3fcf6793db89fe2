package catalog

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/egov-vn/egov"
)

// Analyzers. Vietnamese is written in syllables separated by spaces, so the
// unicode tokenizer already yields the units people type; "folded" then
// drops case and diacritics (đ→d included) so that "dang ky" finds
// "Đăng ký", "exact" keeps the diacritics to reward a query typed with
// them, and "bigrams" indexes pairs of neighbouring syllables, which is
// how Vietnamese words are built (đăng ký, khai sinh): matching a query's
// pairs rewards the right word order at the cost of a term lookup, where a
// phrase query would walk positions.
const (
	analyzerFolded  = "vi_folded"
	analyzerExact   = "vi_exact"
	analyzerBigrams = "vi_bigrams"
	filterBigram    = "vi_bigram"
)

//go:embed abbreviations.txt
var abbreviationsText string

//go:embed fillers.txt
var fillersText string

// Index is the catalog's search index: an in-memory bleve index of every
// procedure, rebuilt whole when the catalog changes. Procedures change a few
// times a day at most, and rebuilding a national-size catalog takes seconds,
// which is simpler and safer than incremental updates across replicas.
type Index struct {
	idx           bleve.Index
	folded        analysis.Analyzer
	exact         analysis.Analyzer
	abbreviations map[string][]string          // folded abbreviation → folded words
	fillers       [][]string                   // folded phrases a query may have that names lack
	vocabulary    map[string]map[string]uint64 // field → folded term → number of procedures
	summaries     map[string]Summary
	size          int
	cache         atomic.Pointer[lru.Cache[Query, Result]]
}

// CacheResults keeps the results of the last n distinct searches, until the
// index is rebuilt (a rebuilt catalog is a new Index). People search for
// the same few procedures all day (birth, passport, driving licence), and a
// hit costs a map lookup where a search over a national catalog costs
// milliseconds. n = 0 turns the cache off.
func (ix *Index) CacheResults(n int) {
	if n <= 0 {
		ix.cache.Store(nil)
		return
	}
	c, _ := lru.New[Query, Result](n) // n > 0: cannot fail
	ix.cache.Store(c)
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

// indexDoc is what bleve indexes for a procedure. Title (the name and the
// other names people use) and Text (the whole record) are where a query's
// words are looked for; Bigrams and NameExact only rank.
type indexDoc struct {
	Code       string   `json:"code"`
	Title      []string `json:"title"`
	Text       []string `json:"text"`
	NameExact  string   `json:"name_exact"`
	Bigrams    []string `json:"bigrams"`
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
	if err := m.AddCustomTokenFilter(filterBigram, map[string]any{
		"type": shingle.Name, "min": 2.0, "max": 2.0, "output_original": false, "separator": " ", "filler": "",
	}); err != nil {
		return nil, fmt.Errorf("search mapping: %w", err)
	}
	for name, a := range map[string]map[string]any{
		analyzerFolded:  {"char_filters": []string{asciifolding.Name}, "token_filters": []string{lowercase.Name}},
		analyzerExact:   {"token_filters": []string{lowercase.Name}},
		analyzerBigrams: {"char_filters": []string{asciifolding.Name}, "token_filters": []string{lowercase.Name, filterBigram}},
	} {
		a["type"] = custom.Name
		a["tokenizer"] = unicode.Name
		if err := m.AddCustomAnalyzer(name, a); err != nil {
			return nil, fmt.Errorf("search mapping: %w", err)
		}
	}
	field := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	code := field(keyword.Name)
	code.DocValues = true // sorting by code
	doc.AddFieldMappingsAt("code", code)
	doc.AddFieldMappingsAt("title", field(analyzerFolded))
	doc.AddFieldMappingsAt("text", field(analyzerFolded))
	doc.AddFieldMappingsAt("name_exact", field(analyzerExact))
	doc.AddFieldMappingsAt("bigrams", field(analyzerBigrams))
	for _, f := range []string{"field", "levels", "online", "life_events", "targets", "agencies"} {
		doc.AddFieldMappingsAt(f, field(keyword.Name))
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
		exact:     m.AnalyzerNamed(analyzerExact),
		summaries: make(map[string]Summary, len(procs)),
		size:      len(procs),
	}
	ix.abbreviations = parseAbbreviations(abbreviationsText, ix.fold)
	for _, line := range strings.Split(fillersText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			if words := ix.fold(line); len(words) > 0 {
				ix.fillers = append(ix.fillers, words)
			}
		}
	}
	// Longest first, so that "thế nào" in "như thế nào" goes as a whole.
	slices.SortStableFunc(ix.fillers, func(a, b []string) int { return len(b) - len(a) })
	// One batch makes one segment: an in-memory index is never merged in
	// the background, and a search visits every segment, so many small
	// batches would make every search slower.
	batch := idx.NewBatch()
	for i := range procs {
		p := &procs[i]
		if err := batch.Index(p.Code, documentOf(p)); err != nil {
			idx.Close()
			return nil, fmt.Errorf("index procedure %s: %w", p.Code, err)
		}
		ix.summaries[p.Code] = Summary{Code: p.Code, Name: p.Name, Field: p.Field, OnlineLevel: p.OnlineLevel,
			ProcessingDays: p.ProcessingDays, Levels: p.Levels, TargetUsers: p.TargetUsers}
	}
	if err := idx.Batch(batch); err != nil {
		idx.Close()
		return nil, fmt.Errorf("build search index: %w", err)
	}
	ix.vocabulary = map[string]map[string]uint64{}
	for _, field := range []string{"title", "text"} {
		if ix.vocabulary[field], err = termCounts(idx, field); err != nil {
			idx.Close()
			return nil, err
		}
	}
	return ix, nil
}

// termCounts reads a field's dictionary: every term and how many
// documents have it.
func termCounts(idx bleve.Index, field string) (map[string]uint64, error) {
	dict, err := idx.FieldDict(field)
	if err != nil {
		return nil, fmt.Errorf("read search dictionary: %w", err)
	}
	defer dict.Close()
	out := map[string]uint64{}
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, fmt.Errorf("read search dictionary: %w", err)
		}
		if e == nil {
			return out, nil
		}
		out[e.Term] = e.Count
	}
}

// Close releases the index.
func (ix *Index) Close() error { return ix.idx.Close() }

// Len is the number of procedures indexed.
func (ix *Index) Len() int { return ix.size }

func documentOf(p *egov.Procedure) indexDoc {
	d := indexDoc{
		Code:       p.Code,
		NameExact:  p.Name,
		Field:      p.Field.Code,
		Online:     string(p.OnlineLevel),
		LifeEvents: p.LifeEvents,
	}
	d.Text = append(d.Text, p.Name)
	d.Text = append(d.Text, p.Keywords...)
	d.Text = append(d.Text, p.Summary, p.Field.Name)
	for _, r := range p.Results {
		d.Text = append(d.Text, r.Name)
	}
	for _, a := range p.ImplementingAgencies {
		d.Text = append(d.Text, a.Name)
	}
	d.Title = append([]string{p.Name}, p.Keywords...)
	d.Bigrams = d.Title
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

func parseAbbreviations(text string, fold func(string) []string) map[string][]string {
	out := map[string][]string{}
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
		out[a[0]] = fold(words)
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

// Result is a page of search results. Callers must not modify Items: a
// result may be shared through the cache.
type Result struct {
	Items []Summary `json:"items"`
	Total int       `json:"total"`
}

// Search runs q. Text is matched the way people type: any case, with or
// without diacritics, words in any order, one wrong letter in a word, and
// common abbreviations; filler words ("thủ tục", "làm", "ở đâu") are left
// out. The search goes in stages, each only if the ones before found fewer
// than minStrictResults procedures, and lists what each stage adds after
// what came before:
//
//  1. every word in the procedure's names (its name and the other names
//     people use);
//  2. every word anywhere in its record (summary, results, agencies);
//  3. all words but one, a rare word also one letter off ("tác hộ" for
//     "tách hộ"): a union of conjunctions, each as cheap as stage 2, and
//     each with at least one rare word;
//  4. any of the rare words, so that a long question ("khai thuế thu nhập
//     cá nhân cho nhân viên hằng tháng") still finds the procedure with
//     most of its telling words. Common words such as "cấp" are left out
//     here: they would make every procedure a candidate.
//
// Stages 3 and 4 are skipped when filters are set. Filters join the
// matching conjunction, so that bleve walks the shortest posting list first
// whichever it is.
func (ix *Index) Search(q Query) (Result, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	c := ix.cache.Load()
	if c != nil {
		if r, ok := c.Get(q); ok {
			return r, nil
		}
	}
	r, err := ix.search(q)
	if err == nil && c != nil {
		c.Add(q, r)
	}
	return r, err
}

func (ix *Index) search(q Query) (Result, error) {
	filters := ix.filters(q)
	tokens := ix.fold(q.Text)
	if len(tokens) > maxQueryWords {
		tokens = tokens[:maxQueryWords]
	}
	if len(tokens) == 0 {
		var match query.Query = bleve.NewMatchAllQuery()
		if len(filters) > 0 {
			match = bleve.NewConjunctionQuery(filters...)
		}
		return ix.run(match, q, true)
	}
	raw := q.Text
	if keep := ix.withoutFillers(tokens); len(keep) > 0 && len(keep) < len(tokens) {
		exact := ix.exact.Analyze([]byte(q.Text))
		var words, exactWords []string
		for _, i := range keep {
			words = append(words, tokens[i])
			if len(exact) == len(tokens) {
				exactWords = append(exactWords, string(exact[i].Term))
			}
		}
		tokens = words
		raw = strings.Join(exactWords, " ")
	}
	ranking := ix.rankingQueries(raw, tokens)
	conj := func(parts ...query.Query) query.Query {
		return ix.scored(bleve.NewConjunctionQuery(append(parts, filters...)...), ranking, q.Text)
	}
	var stages []query.Query
	inTitle := make([]query.Query, len(tokens))
	inText := make([]query.Query, len(tokens))
	typos := make([]query.Query, len(tokens))
	for i, tok := range tokens {
		inTitle[i] = ix.tokenQuery(tok, "title", false)
		inText[i] = ix.tokenQuery(tok, "text", false)
		typos[i] = ix.tokenQuery(tok, "text", ix.rare(tok))
	}
	stages = append(stages, conj(inTitle...), conj(inText...))
	if len(filters) > 0 {
		// Whoever filters has said what they want: a near miss outside the
		// filters is noise, and costly to find.
		tokens = tokens[:1]
	}
	if len(tokens) > 1 {
		allButOne := bleve.NewDisjunctionQuery()
		for skip := range tokens {
			c := bleve.NewConjunctionQuery()
			telling := false
			for i, m := range typos {
				if i != skip {
					c.AddQuery(m)
					telling = telling || ix.rare(tokens[i])
				}
			}
			// Common words alone ("đổi" once "gplx" is skipped) would
			// bring in thousands of unrelated procedures.
			if telling {
				allButOne.AddQuery(c)
			}
		}
		if len(allButOne.Disjuncts) > 0 {
			stages = append(stages, conj(allButOne))
		}
	}
	if len(tokens) > 2 {
		rare := bleve.NewDisjunctionQuery()
		for i, tok := range tokens {
			if ix.rare(tok) {
				rare.AddQuery(typos[i])
			}
		}
		if len(rare.Disjuncts) > 0 {
			stages = append(stages, conj(rare))
		}
	}

	// Each stage fetches from the first result to the end of the page, so
	// that merged pages line up.
	all := q
	all.Offset, all.Limit = 0, q.Offset+q.Limit
	out := Result{Items: []Summary{}}
	var merged []Summary
	seen := map[string]bool{}
	for i, stage := range stages {
		r, err := ix.run(stage, all, false)
		if err != nil {
			return Result{}, err
		}
		if i == 0 && r.Total >= minStrictResults {
			merged, out.Total = r.Items, r.Total
			break
		}
		for _, it := range r.Items {
			if !seen[it.Code] {
				seen[it.Code] = true
				merged = append(merged, it)
			}
		}
		out.Total = max(out.Total, r.Total)
		if len(seen) >= minStrictResults {
			break
		}
	}
	if q.Offset < len(merged) {
		out.Items = merged[q.Offset:min(len(merged), q.Offset+q.Limit)]
	}
	return out, nil
}

// minStrictResults is how many procedures must match every word of a query
// for the search not to look further; maxQueryWords bounds the work one
// query can cause.
const (
	minStrictResults = 3
	maxQueryWords    = 12
	// A word is rare enough to find procedures by alone when at most one
	// procedure in rareWordShare has it, or at most rareWordCount: the
	// point is to bound the work of a search, which only matters in a large
	// catalog.
	rareWordShare = 20
	rareWordCount = 100
)

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

// withoutFillers returns the positions of tokens that are not part of a
// filler phrase.
func (ix *Index) withoutFillers(tokens []string) []int {
	keep := make([]int, 0, len(tokens))
next:
	for i := 0; i < len(tokens); {
		for _, f := range ix.fillers {
			if len(f) <= len(tokens)-i && slices.Equal(tokens[i:i+len(f)], f) {
				i += len(f)
				continue next
			}
		}
		keep = append(keep, i)
		i++
	}
	return keep
}

// rare reports whether few procedures have tok, or none.
func (ix *Index) rare(tok string) bool {
	return ix.vocabulary["text"][tok] <= max(rareWordCount, uint64(ix.size)/rareWordShare)
}

// tokenQuery matches one folded word in field: the word itself; the words
// one letter away for a word the field does not have (a typo), or for any
// word of three letters or more when typos is set; for an abbreviation,
// also the words it stands for.
func (ix *Index) tokenQuery(tok, field string, typos bool) query.Query {
	alts := []query.Query{}
	_, known := ix.vocabulary[field][tok]
	if known {
		alts = append(alts, term(field, tok))
	}
	if (!known || typos) && len([]rune(tok)) >= 3 {
		f := bleve.NewFuzzyQuery(tok)
		f.SetField(field)
		f.SetFuzziness(1)
		f.SetPrefix(1)
		alts = append(alts, f)
	}
	if len(alts) == 0 {
		alts = append(alts, term(field, tok))
	}
	if words, ok := ix.abbreviations[tok]; ok {
		if len(words) == 1 {
			alts = append(alts, term(field, words[0]))
		} else {
			c := bleve.NewConjunctionQuery()
			for i := 0; i+1 < len(words); i++ {
				c.AddQuery(term("bigrams", words[i]+" "+words[i+1]))
			}
			alts = append(alts, c)
		}
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// rankingQueries add score without deciding what matches: pairs of words
// in the query's order found in the name or other names, and, for a query
// typed with diacritics, names that have exactly those. (Ranking words
// found in the name apart from the other names was tried: it halved speed
// over 70,000 procedures for two more first places in 80 queries.)
func (ix *Index) rankingQueries(raw string, tokens []string) []query.Query {
	var out []query.Query
	if len(tokens) > 1 {
		pairs := bleve.NewDisjunctionQuery()
		for i := 0; i+1 < len(tokens); i++ {
			pairs.AddQuery(term("bigrams", tokens[i]+" "+tokens[i+1]))
		}
		pairs.SetBoost(3)
		out = append(out, pairs)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r > 0x7f }) {
		e := bleve.NewMatchQuery(raw)
		e.SetField("name_exact")
		e.SetBoost(1.5)
		out = append(out, e)
	}
	return out
}

// scored wraps a matching query with the ranking ones; a procedure code
// typed as the query finds that procedure first.
func (ix *Index) scored(match query.Query, ranking []query.Query, raw string) query.Query {
	b := bleve.NewBooleanQuery()
	b.AddMust(match)
	b.AddShould(ranking...)
	if code := strings.TrimSpace(raw); ValidProcedureCode(code) {
		c := term("code", code)
		c.SetBoost(100)
		return bleve.NewDisjunctionQuery(b, c)
	}
	return b
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
