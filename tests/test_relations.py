"""Relations between terms: same concept (declared or derived), broader/narrower, confusable, kinds; and the
word-level rules behind masking: Snowball stems, abbreviations and their expansions."""

from __future__ import annotations

from bot.content.models import Term
from bot.content.names import MASK, Names, acronym_letters, expansions, giveaways, initialisms, mask, tokens, word_key
from bot.content.relations import Relations, relations


def entry(term_id: str, name: str, definition: str = "", **fields) -> Term:
    return Term(term_id, name, definition or f"About {term_id}.", "Tip.", 1, "p", **fields)


def test_the_bundled_pack_treats_an_acronym_and_its_expansion_as_one_concept(library):
    rel = relations(library)
    assert rel.same_concept("mse", "mean-squared-error")
    assert rel.same_concept("mae", "mean-absolute-error")
    assert rel.same_concept("gradient-descent", "gradient-descent-ch4")
    # Initials alone are not enough: MSE also fits "Multimodal search engine", GAN "Graph attention networks".
    assert not rel.same_concept("mse", "multimodal-search-engine")
    assert not rel.same_concept("generative-adversarial-networks", "graph-attention-networks")


def test_an_acronym_pairs_with_its_expansion_when_either_entry_spells_it_out():
    rel = Relations(
        [
            entry("lstm", "LSTM", "Recurrent cell with gates."),
            entry("long-short-term-memory", "Long short-term memory", "A gated cell; LSTM for short."),
            entry("bf16", "BF16", "Brain float 16: a 16-bit format."),
            entry("brain-float-16", "Brain float 16", "Sixteen-bit float with a wide exponent."),
            entry("ml", "ML", "Learning from data."),
            entry("many-layers", "Many layers", "Depth."),
        ]
    )
    assert rel.same_concept("lstm", "long-short-term-memory")
    assert rel.same_concept("bf16", "brain-float-16")
    assert not rel.same_concept("ml", "many-layers")


def test_declared_relations_are_symmetric_and_follow_the_concept():
    rel = Relations(
        [
            entry("quantization", "Quantization", broader=("model-compression",)),
            entry("model-compression", "Model compression"),
            entry("int8", "INT8 quantization", same_as=("quantization",)),
            entry("l1", "L1 regularization", confusable=("l2",), kinds=("regularization",)),
            entry("l2", "L2 regularization", kinds=("regularization", "loss-term")),
            entry("relu", "ReLU", kinds=("activation-function",)),
        ],
        {"regularization": "regularization technique"},
    )
    assert rel.same_concept("int8", "quantization") and rel.concept("int8") == {"int8", "quantization"}
    assert rel.nested("model-compression", "int8"), "the same concept inherits the wider one"
    assert rel.overlap("quantization", "model-compression") and not rel.overlap("l1", "l2")
    assert rel.confusable("l2") == {"l1"}
    assert rel.share_kind("l1", "l2") and not rel.share_kind("l1", "relu")
    assert rel.of_kind("loss-term") == ["l2"]
    assert rel.kind_label("regularization") == "regularization technique"
    assert rel.kind_label("loss-term") == "loss-term"


def test_the_relations_of_a_library_are_built_once(library):
    assert relations(library) is relations(library)


def test_words_compare_by_their_stem_and_abbreviations_whole():
    assert word_key("normalizes") == word_key("normalization") == word_key("normalized")
    assert word_key("transfer") != word_key("Transformers")
    assert word_key("RNNs") == word_key("RNN") == "rnn"
    assert word_key("FP16") == "fp16"
    assert word_key("PyTorch's") == "pytorch"
    assert [t.text for t in tokens("mini-batch model's ReLU-6")] == ["mini", "batch", "model's", "ReLU", "6"]


def test_acronyms_and_their_expansions():
    assert acronym_letters("LoRA") == "lra"
    assert acronym_letters("BF16") == "bf16"
    assert acronym_letters("GANs") == "gan"
    assert acronym_letters("Dropout") is None
    assert acronym_letters("Mean squared error") is None
    assert initialisms("Mixture of experts") == {"moe", "me"}
    words = tokens("the mean squared error of a model")
    assert expansions("mse", words) == [(1, 3)]
    assert expansions("moe", tokens("A mixture of experts layer")) == [(1, 3)]


def test_masking_counts_what_is_left_to_read_and_give_aways_see_names_run_together():
    names = Names.of(["Dropout"])
    masked = mask("Dropout: dropouts zero units.", names)
    assert masked.text == f"{MASK}: {MASK} zero units."
    assert (masked.words, masked.hidden, masked.readable) == (4, 2, 0.5)
    assert giveaways("It drops out units at random.", Names.of(["Drop out"])) == ["drops out"]
    assert giveaways("Apply drop-out to units.", names) == ["dropout"]
    assert giveaways("Zeroes random units.", names) == []
    # An alias counts whole, the term's own name word by word.
    precision = Names.of(["Precision"], ["Positive predictive value"])
    assert giveaways("Share of predicted positives that are positive.", precision) == []
    assert giveaways("The positive predictive value.", precision) == ["positive predictive value"]
