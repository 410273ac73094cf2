"""Answer or abstain, and typos, on four corpora: before and after, on held-out questions.

    .venv/bin/python bench/abstention.py [--corpus roadmap-sh] [--runs 3]

For knowledge/ and ../shared/corpora/learning-paths, roadmap-sh and seeds (four messy web
articles) with their eval sets in bench/eval/, from one run, side by side:

- before: the question as typed, a fixed cosine threshold (Ranking.min_similarity, 0.33);
- after: typos corrected against the corpus (index/spelling.py) and the calibrated decision of
  index/calibration.py, its weights fitted LEAVE-ONE-CORPUS-OUT: a corpus's figures come from
  weights fitted on the other corpora's eval sets only. These are the results;
- the earlier calibrated decisions, fitted the same way, one line per corpus: the scale's zero
  at the off-topic questions for every question (no near-miss twins), and the twins without the
  leftover (index/leftover.py): before/after of each step in one run;
- per corpus and per question kind: questions, hit@5, MRR@10 (file level), abstention accuracy,
  on-topic questions refused and off-topic questions answered;
- the eval sets are the fitted ones (bench/eval/<corpus>.yaml) and the READ rounds' sets
  (fresh-, fresh2-, fresh3-, fresh4-<corpus>.yaml: report-only once, scored and read many
  times since, so no longer blind); every corpus is scored held out on both. The weights are
  fitted on the fitted sets only, or on both (FIT_READ); both fits are printed side by side;
- the weights fitted on all corpora (what index/calibration.py ships), with their in-sample
  figures for reference only (a figure measured on the data it was fitted on is not a result);
- the blind report-only sets (REPORT_ONLY: bench/eval/<prefix><corpus>.yaml, never fitted on,
  their wrong decisions never listed) as tables of their own: with the held-out weights and
  with the shipped ones. A corpus with report-only questions only would be scored with the
  shipped weights;
- query p50 of `KnowledgeBase.ask` per corpus (goal <= 5 ms on learning-paths), against the
  previous path (no spelling, fixed threshold) timed alternately in the same run; without the
  takeaway line, whose cost bench/answer_height.py measures.

The indexes live in bench/out/abstention (git-ignored); the corpora are read in place.

History of the decision in index/calibration.py (figures of these rounds on the onnx-int8-v1
vectors unless said; the second round's, on v2: knowledge 0.977, learning-paths 0.967,
roadmap-sh 0.959 held out; without the technology rule 0.977, 0.967, 0.947; without the
leftover either 0.983, 0.940, 0.905).

Measured leave-one-corpus-out and not kept (no held-out gain on any corpus, or a gain on one
paid for on another): the best cosine of the top passages' *sentences* on the corpus's own
scale, also measured from the twins' sentences; how close the best passage comes to the
subject-free ask of the question's nearest template ("how many months until I can get hired");
the gap between the best and the fifth passage; IDF-weighted coverage of the question's words
by the best passages; the nearest single twin, or five, instead of three; a similarity gate
starting at the headings' own twin similarity; fifteen more templates. Without the leftover, the
errors on a tree of topic cards (a career question that names the subject, a tool next to one
the tree has) were not separable even within one corpus (5-fold, ~0.92); with it 0.965.
Measured in the same round as the leftover and not kept (each added to the features before, alone,
or beside the leftover; the leftover alone held out best): IDF-weighted coverage of the question's
words by the best passage, by any of the best three or five, by the best single one of them, and by
the best passage anywhere in the corpus (binary, not BM25); the same for the words that are not the
corpus's subjects (the asked-for aspect); the share of the question's word pairs the corpus or the
best passages use; the best BM25 share; whether the question starts with a question word; the
twins' similarity and level as features of their own or with other exponents; how much better the
question's best passages fit it than its twins (cosine contrast); for the leftover, headings asked
as questions ("what is X and how do I use it") or as bare keywords as the on-topic reference, and
the passage among the best ten that explains the leftover (and how close it is to the best); more
subjects for the twins (12 or 16 instead of 8); a class-balanced fit. Each moved one corpus by a
question or two and cost another as much.

Issue 12, third round (bench/abstention.py; "old" = the eval sets above, read many times while
tuning; "fresh" = bench/eval/fresh-*.yaml, 93 questions written before this round ran anything,
never fitted on and never listed question by question). Old, held out leave-one-corpus-out,
before -> after: knowledge 0.977 -> 0.977, learning-paths 0.973 -> 0.973, roadmap-sh 0.951 ->
0.967 (1/169 on-topic refused, 7/74 off-topic answered). Fresh, weights fitted on all old sets:
knowledge 1.000, learning-paths 0.933, roadmap-sh 0.968 (0/38, 2/25), as before this round;
with held-out weights roadmap-sh 0.921 -> 0.937. The rule changed no fresh decision then (on
the v2 vectors it changes one: fresh roadmap-sh 0.952 without it, 0.968 with it). Kept: the
speller reads typos of words the corpus never uses against English (index/spelling.py: "becom
a data engneer withuot a degre" is now read as the clean question), and the named-technology
rule. Honest note on the rule: its three old-set gains (Redux, Helm, C++) are names from the
error list read before the list was written, so they are no result. Measured and not kept:
technology twins (templates "how do I set up {}", "{} tutorial for beginners" ... filled with
the absent names, 170-270 per corpus, as near-miss twins, in the twins' offset and the leftover
references, or in the leftover references only): knowledge 0.983 -> 0.977, roadmap-sh 0.951 ->
0.955 or 0.942, and 0.8-1.6 s more calibration at a first build; they land low on the scale
(they find nothing), so a question measured from them keeps its level. Nor the named
technology as a fitted 0/1 feature (no held-out gain, above). What limits roadmap-sh now:
career questions naming its subject (interviews, degree, bootcamp) whose leftover reads
+0.2-0.3 like off-topic but whose passages score like on-topic ones, and tools inside words
the corpus uses ("excel", "android", "linux", "ios").

Issue 12, fourth round (one run, onnx-int8-v2 vectors). The round-4 report-only sets
(bench/eval/fresh2-*.yaml: seeds 62, roadmap-sh 55, learning-paths 29 questions) were written
and scored once before anything changed; then bench/eval/seeds.yaml (61 questions, different
ones) was written so that the four messy articles join the fit and leave-one-corpus-out like
the other corpora. Old sets held out, the third round's features refitted with seeds ->
+ coverage (linear) -> + off-topic words -> coverage counted from one half -> coverage and
off-topic words over every word as asked (kept; before, everyday words the corpus lacks were
left out, and "who won the football world cup" on the tests' fixture corpus was "covered" by
"who" and "the", which tests/knowledge_base caught): knowledge 0.983 -> 0.988 -> 1.000 ->
1.000 -> 1.000, learning-paths 0.962 -> 0.951 -> 0.946 -> 0.957 -> 0.962, roadmap-sh 0.942 ->
0.967 -> 0.979 -> 0.984 -> 0.984, seeds 0.820 -> 0.885 -> 0.902 -> 0.918 -> 0.902 (kept: 0/108
on-topic refused and 0/65 off-topic answered, 5/109 and 2/75, 0/169 and 4/74, 5/39 and 1/22).
Report-only, shipped weights, before this round -> kept: fresh knowledge 1.000 -> 1.000,
learning-paths 0.933 -> 0.933, roadmap-sh 0.968 -> 0.968; fresh2 learning-paths 1.000 -> 0.931
(1/18, 1/11), roadmap-sh 0.873 -> 0.909 (2/35, 3/20), seeds 0.790 -> 0.887 (4/43, 3/19).
Honest notes: the fresh sets' aggregate figures were printed by the runs that compared the
variants; each choice was made on the old sets' held-out figures and not changed after
reading them (the linear coverage gave fresh2 seeds 0.887 too, the one-sided one 0.855 before
the word-set fix).
Measured and not kept (old sets, held out): coverage by any of the best three or five
passages, by the union of the best two or three, by the best passage's whole document or the
densest passage; counting only words outside the ~600 commonest English ones, or weighting by
English rarity; whether the question's one, two or three weightiest words are in the best
passage; all topic words in one passage (0/1); the best passage's length (log distinct words:
learning-paths 0.978, seeds 0.787); off-topic words only where the best passage lacks them.
The speller keeps a typed word's first letter (index/spelling.py): "configure a vlan on a
network switch" was read as "a plan" and answered on knowledge/.

Issue 12, fifth round (one final run; the shipped decision and weights are unchanged). The
round-5 report-only sets (bench/eval/fresh3-*.yaml: roadmap-sh 45 questions, 13 off-topic;
learning-paths 24, 8; seeds 21, 8) were written and scored once before anything changed:
shipped weights, learning-paths 0.958 (1/16 on-topic refused, 0/8 off-topic answered),
roadmap-sh 0.978 (0/32, 1/13), seeds 0.857 (3/13, 0/8); hit@5 / MRR@10 1.000 / 0.872,
0.969 / 0.902, 1.000 / 0.942. The round-4 roadmap-sh set's ranking misses were read (it is
"seen" since): 2 of 9 were label errors (fixed), the 7 real ones mostly the dense ranker
missing a concept named in other words (lineage, drift, prompt injection, orchestration).
Measured and not kept: a ranking term for the two rankers' agreement (0.05 x the mean over dense
and lexical of 21 / (20 + rank)): it lifted only the round-4 roadmap-sh set it was chosen on
(hit@5 0.914 -> 0.943), changed nothing on round 5 and moved one decision the wrong way on each
of three sets, so it was removed; as decision
features, how well the next passages explain the best one's leftover, and the leftover
discounted where the twins score like on-topic questions (both measured with the agreement on:
learning-paths 0.957 -> 0.962 but roadmap-sh 0.979 -> 0.963 held out; the other no change).

Issue 12, seventh round (career guides refusing fair career questions; one run before, one
after). The round-7 report-only sets (bench/eval/fresh4-*.yaml: seeds 32 questions, 11
off-topic; learning-paths 35, 11; roadmap-sh 34, 11; career and duration questions each corpus
answers are on-topic) were written and committed before anything ran, then scored once with
the shipped weights: learning-paths 0.943 (2/24 on-topic refused, 0/11 off-topic answered),
roadmap-sh 1.000, seeds 0.938 (2/21, 0/11); hit@5 / MRR@10 1.000 / 0.938, 0.913 / 0.832,
1.000 / 0.921. Kept: one label fix in the fitted bench/eval/learning-paths.yaml ("how many
months to become a cloud engineer with no experience" was off-topic, but the cloud path's
getting-started page gives 12-18 months for complete beginners), found by reading the fitted
sets' career questions against the corpus; the weights refitted. Old sets held out, before ->
after: knowledge 1.000 -> 1.000, learning-paths 0.962 -> 0.957 (5/109, 2/75 -> 6/110, 2/74:
the question now counts as a refused on-topic one), roadmap-sh 0.984 -> 0.975 (0/169, 4/74 ->
0/169, 6/74: two duration questions it does not answer now pass, "how many months does it take
to become an mlops engineer"), seeds 0.902 -> 0.918 (5/39 -> 4/39). Report-only, shipped
weights, before -> after: fresh4 learning-paths 0.943 -> 0.971, roadmap-sh 1.000 -> 1.000,
seeds 0.938 -> 0.938; fresh3 learning-paths 0.958 -> 1.000, fresh2 roadmap-sh 0.909 -> 0.891,
every other set unchanged; all report-only questions 0.940 -> 0.942 shipped, 0.933 -> 0.935
with held-out weights. Query p50 on learning-paths 3.25 ms (previous path 2.82 ms, same run).
What carries the career evidence: on every refused career question of the fitted sets the
off-topic word share is 0; the twins' offset and the leftover refuse them. A learning-paths
duration question and a roadmap-sh one have nearly the same features (cosine 0.82 / 0.75 on
the scale, 0.80 / 0.79 like their twins, leftover +0.33 / +0.34); only where their twins land
differs (0.82 / 0.65), and the offset subtracts more where the twins land higher, i.e. on the
corpus that answers them. A small career guide of the tests' kind (the months in a section of
a long getting-started page) refuses "how many months does it take to become a data engineer"
with confidence 0.01 (leftover +0.63; the role overview, not the months, ranks first).
Measured and not kept (label-fixed sets, leave-one-corpus-out: knowledge / learning-paths /
roadmap-sh / seeds held out, then every report-only question held out / shipped; baseline
1.000 / 0.957 / 0.975 / 0.918, 0.935 / 0.942). How much the corpus covers careers, c = the
place on its scale of the sixteen near-miss templates asked without a subject ("how much does a
engineer earn"): knowledge 0.24, learning-paths 0.16, roadmap-sh 0.05, seeds 0.20, so it does
separate the topic-card tree from the three career corpora. Discounting by (1 - c): the off-
topic word share 1.000 / 0.951 / 0.975 / 0.918, 0.933 / 0.942; the twins' offset 0.994 / 0.957
/ 0.979 / 0.934, 0.930 / 0.937; the twins in the leftover's reference 0.994 / 0.951 / 0.975 /
0.934, 0.930 / 0.942; the leftover 1.000 / 0.957 / 0.975 / 0.934, 0.937 / 0.942 (the best: one
question on seeds and one report-only question held out, fresh4 unchanged); all three 0.994 /
0.962 / 0.984 / 0.918, 0.928 / 0.933; by (1 - 2c) or (1 - 4c) worse (leftover x (1 - 4c):
learning-paths 0.951, roadmap-sh 0.963). c as a feature, or c times the leftover, the off-topic
words and the twins' offset as fitted interactions: weights near 0, no held-out gain (c alone:
learning-paths 0.951). Per question: its similarity to the subject-free templates (alone,
times c, times their place): no gain (alone: learning-paths 0.946). Per template: the twins of
the leftover's reference weighted by 1 - the place of their subject-free template: 1.000 /
0.957 / 0.979 / 0.918, 0.928 / 0.935. Twins the corpus answers (leftover closer to the
headings' than to the off-topic questions': 37 % on knowledge, 12 %, 7 %, 0 % on seeds) left
out of the leftover's reference and/or the offset: no fitted gain, seeds -1, report-only down.
The top of the scale at the best passage's own heading asked as a question (cosine of the
heading to its passage) instead of the corpus's median heading: 0.994 / 0.946 / 0.984 / 0.885,
0.947 / 0.951; with the min or max of the two: learning-paths 0.946 either way; the passage's
heading place as a feature: learning-paths 0.946. Not kept by the rule (learning-paths held out
fell), though this one raised the report-only sets: its report figures have been read now, so
a next round must judge it on a new fresh set.

Issue 12, eighth round (seeds refusing fair detail questions; figures from runs of this bench,
leave-one-corpus-out, questions right of 188 knowledge / 287 learning-paths / 440 roadmap-sh /
176 seeds = 1,091: each corpus's fitted set plus the four read rounds fresh- to fresh4-, which
had been scored and read many times and are no longer blind; the next blind sets, fresh5-, are
judged by the lead once, after the round). Fitting on the read sets too (READ, FIT_READ), same
questions both ways, the other corpora's fitted sets -> their fitted and read sets: before the
round 188 / 274 / 424 / 158 = 1044 -> 188 / 275 / 423 / 157 = 1043; with the round's change 188
/ 277 / 424 / 166 = 1055 -> 188 / 276 / 425 / 163 = 1052. No gain, so not kept: the weights are
still fitted on the fitted sets, the read sets are scored. Kept: the leftover's on-topic
reference (index/leftover.py) is the headings AND one sentence of each of up to 150 passages
asked as a question (index/detail_sentences.py: the middle sentence of 6-20 words, no heading,
no link line), pooled (the three nearest of either): 188 / 274 / 424 / 158 = 1044 -> 188 / 277 /
424 / 166 = 1055 (0.955 -> 0.965 learning-paths, 0.898 -> 0.943 seeds; on-topic refused /
off-topic answered 10/177 3/110 -> 7/177 3/110, 14/116 4/60 -> 7/116 3/60; "the earlier decision
(... the headings only ...)" line is the before, same run). A first build of learning-paths
calibrates 0.27 s longer (bench/calibration_cost.py: median of 5 alternated runs 0.81 -> 1.08 s
on the shared, loaded machine); query p50 of ask on learning-paths 3.57 ms against 2.99 ms for
the previous path in the same run (ratio 1.19; 1.17 before the round). Honest note: the pooled
form was chosen among three on these held-out figures (max of the two references' nears 188 /
276 / 423 / 166 = 1053, the sentences alone 188 / 277 / 424 / 165 = 1054), so it is held out for
the weights, not for that choice.
Measured and not kept: the brief's detail scale, the typical best cosine of those sentences
asked as questions as a second top of the scale, `(cosine - off_topic) / (sentence level -
off_topic)`. It does not adapt to passage length: the sentences land at 0.523 / 0.548 / 0.544 /
0.520 (headings 0.853 / 0.742 / 0.764 / 0.834), so it only rescales the scale per corpus by
noise. As the top (the twins' offset measured on it) 188 / 272 / 421 / 158 = 1039; as an extra
feature the same; the cosine on it as an extra feature 187 / 273 / 423 / 156 = 1039; with the
sentences in the leftover's reference too 1046-1047 (below the reference alone). Sentences spread
over every fitting sentence of the corpus (150 in all, so seeds' 29 passages give 150) instead
of one per passage: 188 / 271 / 422 / 166 = 1047; 300 passages instead of 150: 1053. The
question's own similarity (question vectors, three nearest) to the headings and sentences minus
that to the off-topic questions and twins, beside the leftover or instead of it: 1046-1053. The
logistic regression's C at 1 / 3 / 30 / 100 instead of 10: 1050 / 1051 / 1052 / 1052. Left as
they were: the learning-paths duration refusals ("how long will the whole machine learning
engineer path take me", twins 0.78 alike at 0.82, leftover +0.39) and roadmap-sh's tools inside
words it uses ("create a pivot table in excel", "how does the linux kernel schedule processes").
(Two runs differ by one question here and there: calibration.json keeps the leftovers in half
precision, so the first run after a recalibration can differ from the cached ones; all figures
above are from cached runs.)
Issue 12, eighth round, the asked-for aspect (career questions a careers corpus answers). A
learning-paths duration question and a roadmap-sh one had nearly the same features (round 7);
what differs is whether the passage found gives what is asked FOR. index/aspects.py reads it:
`index/aspects.txt` (ours, general English) has ten families (a duration, a pay figure, a word on
pay, a cost, a degree, a visa, legal terms, interview, job-search and negotiation advice), each
with question cues and passage evidence as small regexes; link titles are no evidence. A
question asking for none (most) scores 0/0; else `given` = 1 when the best file's passages among
the best five give every family it asks for, `not_given` = 1 when they lack one: two fitted
features (W_GIVEN, W_NOT_GIVEN), explained in words by `Decision.explain`. One run (the "no
aspect" line is the decision before, fitted the same way), held out, fitted and read sets:
knowledge 1.000 -> 1.000 (0/117 on-topic refused, 0/71 off-topic answered -> same),
learning-paths 0.955 -> 0.965 (10/177, 3/110 -> 5/177, 5/110), roadmap-sh 0.964 -> 0.973
(3/297, 13/143 -> 3/297, 9/143), seeds 0.898 -> 0.932 (14/116, 4/60 -> 8/116, 4/60);
all 1044 -> 1057 of 1091. The fitted sets alone: learning-paths 176/184 -> 178/184,
roadmap-sh 237/243 -> 240/243, seeds 56/61 -> 56/61; the read sets: 98/103 -> 99/103, 187/197
-> 188/197, 102/115 -> 108/115. Fitted on fitted+read sets instead: 1055 (FIT_READ stays
False). Fixed on learning-paths: "how long will the whole machine learning engineer path take
me", "how many months to become a cloud engineer with no experience"; on roadmap-sh the same
kind now refused: "how many months does it take to become an mlops engineer", "how many weeks
does it take to learn sql from scratch" (its card's "[How I learned SQL in 2 weeks](...)" is a
link title), "what do data scientists earn compared to data engineers". New errors (weights
moved): "how do I apply for a student loan for a computer science degree" (learning-paths: a
prerequisites page names degrees), "what is the best mechanical keyboard for programming". On
roadmap-sh 61 of its 62 off-topic career questions ask for a family, all not given. Query p50
on learning-paths 2.66 ms (previous path 2.23 ms, same run, machine loaded: load ~3.8 on 2
cores); reading the aspect costs ~26 us a question (median over the 1091). Weights, fitted on
all fitted sets: W_GIVEN +1.02, W_NOT_GIVEN -3.90; W_LEFTOVER -6.83 -> -4.54 and
W_OFF_TOPIC_WORDS -4.88 -> -3.41: the aspect takes over part of what they carried, so a career
question whose passage gives the months is less held back by them. The tests' career guide now
answers "how long will the data engineering path take me as a data analyst" (0.25 -> 0.67) and
"how many weeks is the pipelines module" (0.12 -> 0.65); topic cards of the same subject refuse
both (0.02, 0.00). Still refused there: "how many months does it take to become a data engineer"
(0.01 -> 0.12: the role overview ranks first and it reads like its twin "how many months until I
can get hired for ...").
Honest notes: the families were written after round 7's error list was read, and refined once
after reading this round's first version's errors (first version: any cost word asked for a
cost, "career"/"job" was hiring evidence, "compliance"/"privacy"/"licence" legal evidence, and
"competitive salaries" answered "how much"; held out 1052, best passage only); then a SQL
column ("the highest salary in each department") stopped asking for a pay figure and a
head count ("15,000+ professionals") stopped giving one. So the figures above are held out for
the weights, not for the wording of the families; the lead's blind sets are the result.
Measured and not kept (same questions, same leave-one-corpus-out fit, total of 1091 right): one
feature +1 / -1 / 0: 1053; `not_given` alone: 1057 (learning-paths 277, roadmap-sh 428, seeds
164; the same total, but the career guide's two duration questions fall to 0.51 / 0.53, so the
`given` evidence stays); `given` alone: 1045. Softening the career evidence where the passage
gives what is asked (against_twins = scaled and leftover clipped at 0: 1035; the leftover only:
1043; the twins' offset only: 1042). Evidence from the best passage alone: 1057; the leftover
and coverage also read from the passage of the best file that gives the aspect: 1057; from any
of the best five: 1056 (these three with the first refinement of the families).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.abstention_fit import (  # noqa: E402
    FIT_READ,
    PREVIOUS,
    Row,
    accuracy,
    answers,
    compare_fits,
    figures,
    fit,
    fitted,
    table,
)
from bench.retrieval import CORPORA as ALL_CORPORA  # noqa: E402
from bench.retrieval import Question, file_ranking, load_eval, model_path  # noqa: E402
from index import calibration  # noqa: E402
from index.answer import compose, rank  # noqa: E402
from index.documents import Answer  # noqa: E402
from index.leftover import Leftovers, PassageVectors  # noqa: E402
from index.search import IndexConfig, KnowledgeBase  # noqa: E402

# bench/retrieval.py's corpora, in the order this bench prints them.
ORDER = ("knowledge", "learning-paths", "roadmap-sh", "seeds")
CORPORA = {name: ALL_CORPORA[name] for name in ORDER}
# The report-only sets' rounds that have been scored and read many times (round 8): no longer
# blind, their questions join the fitted sets (bench/eval/<prefix><corpus>.yaml).
READ = ("fresh-", "fresh2-", "fresh3-", "fresh4-")
# The blind report-only sets, by the prefix of their file name: never fitted on.
REPORT_ONLY = {
    "fresh5-": "FRESH5 (round 8: written before the eighth round ran or tuned anything)",
}
OUT = ROOT / "bench" / "out" / "abstention"
GOALS = {"hit@5": 0.97, "MRR@10": 0.93, "abstention": 0.96, "query_p50_ms": 5.0}


def first_relevant(files: Sequence[str], relevant: frozenset[str]) -> int | None:
    return next((i for i, f in enumerate(files[:10]) if f in relevant), None)


def score_corpus(
    name: str, sets: dict[str, list[Question]]
) -> tuple[dict[str, list[Row]], tuple[float, float]]:
    """Every question of a corpus before and after, by the prefix of its set ("" for
    bench/eval/<corpus>.yaml), and the query p50 (ms) before and after over that set (over all
    its questions for a corpus without one)."""
    config = IndexConfig(
        (CORPORA[name].resolve(),), OUT / "index", model_path(), "embedded", "onnx"
    )
    kb = asyncio.run(KnowledgeBase.open(config))
    snap, ranking, embedder = kb.snapshot, kb.ranking, kb.embedder
    cal = calibration.for_snapshot(snap, embedder, ranking, config.home)
    print(
        f"  {name}: {len(snap.chunks)} passages; calibration: off-topic questions at cosine "
        f"{cal.scale.off_topic:.3f}, its headings at {cal.scale.headings:.3f}",
        flush=True,
    )

    # Before round 8 the leftover's on-topic reference was the headings alone (the first rows).
    n_heads = len(calibration.headings(snap))
    rest = cal.leftovers
    headings_only = Leftovers(rest.off_topic, rest.twins, rest.on_topic[:n_heads])
    passages = PassageVectors(snap)

    def scored(q: Question, source: str) -> Row:
        before = rank(snap, embedder.encode([q.text])[0], q.text, ranking, limit=50)
        checked = cal.check(q.text)
        query = embedder.encode([checked.text])[0]
        ranked = rank(snap, query, checked.text, ranking, limit=50)
        return Row(
            name,
            q.kind,
            bool(q.relevant),
            first_relevant(file_ranking(before), q.relevant),
            first_relevant(file_ranking(ranked), q.relevant),
            calibration.best_cosine(before) >= ranking.min_similarity,
            cal.measure(checked, ranked, query),
            q.text,
            checked.text,
            source,
            headings_only.score(query, passages.vector(ranked[0].chunk.key) if ranked else None),
        )

    rows = {prefix: [scored(q, prefix) for q in found] for prefix, found in sets.items()}
    timed = sets.get("") or [q for found in sets.values() for q in found]

    def ask_before(question: str) -> Answer:
        # The previous path: the question as typed, the fixed threshold.
        hits = rank(snap, embedder.encode([question])[0], question, ranking, limit=12)
        return compose(question, hits, snap, ranking, 3)

    async def latency() -> tuple[list[float], list[float]]:
        before: list[float] = []
        after: list[float] = []
        for _ in range(3):
            for q in timed:  # alternating, so that load from elsewhere hits both alike
                t = time.perf_counter()
                await asyncio.to_thread(ask_before, q.text)
                before.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                await kb.ask(q.text, takeaway=False)
                after.append((time.perf_counter() - t) * 1000)
        return before, after

    before, after = asyncio.run(latency())
    return rows, (statistics.median(before), statistics.median(after))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    parser.add_argument("--show", action="store_true", help="list every wrong decision")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    rows: list[Row] = []  # the fitted sets and the READ rounds' sets
    report: dict[str, list[Row]] = {prefix: [] for prefix in REPORT_ONLY}  # never fitted on
    p50: dict[str, tuple[float, float]] = {}
    names = [n for n in CORPORA if not args.corpus or n in args.corpus]
    for name in names:
        if not CORPORA[name].exists():
            print(f"skipping {name}: {CORPORA[name]} not found")
            continue
        sets: dict[str, list[Question]] = {}
        for prefix in ("", *READ, *REPORT_ONLY):
            path = ROOT / "bench" / "eval" / f"{prefix}{name}.yaml"
            if path.exists():
                corpus, sets[prefix] = load_eval(path)
                assert corpus == name, f"{path.name} is for {corpus}"
        found, p50[name] = score_corpus(name, sets)
        for prefix, more in found.items():
            if prefix in REPORT_ONLY:
                report[prefix] += more
            else:
                rows += more
    scored = list(dict.fromkeys(r.corpus for r in rows))
    if len(scored) < 2:
        print("leave-one-corpus-out needs at least two corpora with fitted sets")
        return 1
    shipped = fit(fitted(rows))
    # Held out: a corpus is scored with weights fitted on the other corpora's sets; a corpus
    # with report-only questions alone with the weights fitted on every fitted set.
    held_out = compare_fits(rows, scored)
    held_out.update({c: shipped for c in p50 if c not in held_out})
    table(rows, held_out)
    print(f"all fitted and read questions, held out: {accuracy(rows, held_out)}")
    for decision, what in PREVIOUS.items():
        print(f"\nthe earlier decision ({what}), held out:")
        for c in scored:
            weights = fit([r for r in fitted(rows) if r.corpus != c], decision)
            sub = [r for r in rows if r.corpus == c]
            answered = [answers(r, weights, decision) for r in sub]
            print(f"  {c:<15} {figures(sub, answered, after=True)}")
    for prefix, what in REPORT_ONLY.items():
        if not report[prefix]:
            continue
        print(
            f"\n{what}; bench/eval/{prefix}*.yaml, never fitted on. Weights fitted on the OTHER "
            "corpora's fitted sets (all of them for a corpus without one):"
        )
        table(report[prefix], held_out)
        print(f"{prefix}* sets, weights fitted on all fitted sets (what ships):")
        table(report[prefix], dict.fromkeys(held_out, shipped))
        for decision in PREVIOUS:
            every = fit(fitted(rows), decision)
            print(f"{prefix}*, the earlier decision ({decision}), weights fitted on all sets:")
            for c in dict.fromkeys(r.corpus for r in report[prefix]):
                sub = [r for r in report[prefix] if r.corpus == c]
                answered = [answers(r, every, decision) for r in sub]
                print(f"  {c:<15} {figures(sub, answered, after=True)}")
    weight_names = (
        "BIAS",
        "W_SCALED",
        "W_UNKNOWN",
        "W_LEFTOVER",
        "W_COVERAGE",
        "W_OFF_TOPIC_WORDS",
        "W_GIVEN",
        "W_NOT_GIVEN",
    )
    current = tuple(getattr(calibration, n) for n in weight_names)
    print(
        f"\nweights fitted on all {'fitted and read' if FIT_READ else 'fitted'} sets (copy to "
        "index/calibration.py): "
        + ", ".join(f"{n} = {w:.2f}" for n, w in zip(weight_names, shipped, strict=True))
    )
    print(f"weights in index/calibration.py now: {current}")
    for c in scored:
        print(f"  held-out weights for {c}: " + ", ".join(f"{w:.2f}" for w in held_out[c]))
    print("in-sample with the shipped weights (reference only, not a result):")
    for c in scored:
        sub = [r for r in rows if r.corpus == c]
        print(f"  {c:<15} {figures(sub, [answers(r, current) for r in sub], after=True)}")
    for name, (ms_before, ms_after) in p50.items():
        target = f"(goal <= {GOALS['query_p50_ms']} ms)" if name == "learning-paths" else ""
        print(
            f"query p50 of ask on {name}: before {ms_before:.2f} ms, after {ms_after:.2f} ms, "
            f"ratio {ms_after / ms_before:.2f} {target}"
        )
    if args.show:
        # The fitted and read sets only: the blind report-only sets' wrong decisions are not
        # listed, so that nobody tunes on them (bench/eval/README.md).
        print("\nwrong decisions (held out, fitted and read sets):")
        for r in rows:
            if answers(r, held_out[r.corpus]) != r.on_topic:
                what = "refused" if r.on_topic else "answered"
                fixed = f" -> {r.corrected!r}" if r.corrected != r.text else ""
                m = r.measures
                print(
                    f"  {r.corpus:<15} {r.source or 'fitted':<7} {what:<8} scaled "
                    f"{m.scaled:+.2f} against twins {m.features()[0]:+.2f} (twins "
                    f"{m.twin_similarity:.2f} alike at {m.twin_scaled:+.2f}) unknown "
                    f"{m.unknown_share:.2f} leftover {m.leftover:+.2f} coverage "
                    f"{m.coverage:.2f} off-topic words {m.off_topic_share:.2f} aspect "
                    f"{m.aspect.score:+.0f}  {r.text!r}{fixed}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
