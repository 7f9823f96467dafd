"""/api/cnn: the CNN lesson's data sets, one pass's gradients, a gradient check, and training in
stateless chunks (the state travels with the client, signed)."""

import math
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.api.image import read_body
from app.core import datasets
from app.core.errors import InputError
from app.core.nn import gradcheck as nn_gradcheck
from app.core.nn import inspect as nn_inspect
from app.core.nn import state as nn_state
from app.core.nn import train as nn_train
from app.core.nn.network import (
    Network,
    build_network,
    check_network,
    first_filters,
    layer_formulas,
    layer_summary,
)
from app.i18n import gettext
from app.imaging import SIXTEEN_BIT, decode_image
from app.schemas.cnn import (
    MAX_LIST_EXAMPLES,
    REPLAY_CHUNKS,
    ConfusionRequest,
    ConfusionResponse,
    DatasetInfo,
    ExampleResponse,
    ExamplesResponse,
    FiltersRequest,
    FiltersResponse,
    GradcheckRequest,
    GradcheckResponse,
    GradientsRequest,
    GradientsResponse,
    InspectRequest,
    InspectResponse,
    NetworkRequest,
    NetworkResponse,
    TraceRequest,
    TraceResponse,
    TrainRequest,
    TrainResponse,
)
from app.schemas.common import json_response, to_array
from app.server import HeavyRoute
from app.settings import Settings, request_settings
from app.uploads import parse_form

router = APIRouter(prefix="/api/cnn", tags=["cnn"], route_class=HeavyRoute)


def secret(settings: Settings) -> bytes:
    return settings.state_secret.encode()


def dataset_info(info: datasets.DatasetInfo) -> DatasetInfo:
    return DatasetInfo(
        name=info.name,
        label=gettext(info.label),
        label_zh=info.label_zh,
        classes=[gettext(en) for en, _ in info.classes],
        classes_zh=[zh for _, zh in info.classes],
        shape=list(info.shape),
        train_size=info.train_size,
        test_size=info.test_size,
        source=datasets.source_text(info),
        licence=info.licence,
        description=gettext(info.description),
        value_range=[0.0, 1.0],
        eval_size=datasets.EVAL_SIZE,
    )


@router.get("/datasets", summary="The data sets: classes, shapes, sizes, source, licence")
def list_datasets() -> list[DatasetInfo]:
    return [dataset_info(info) for info in datasets.CATALOGUE.values()]


def parse_indices(text: str, size: int) -> list[int]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise InputError(gettext("indices must list at least one index, e.g. 3,17,42"), "indices")
    if len(parts) > MAX_LIST_EXAMPLES:
        raise InputError(
            gettext("indices may list at most {MAX_LIST_EXAMPLES} examples").format(
                MAX_LIST_EXAMPLES=MAX_LIST_EXAMPLES
            ),
            "indices",
        )
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise InputError(
            gettext("indices must be whole numbers separated by commas"), "indices"
        ) from None
    bad = [v for v in values if not 0 <= v < size]
    if bad:
        raise InputError(
            gettext("index {bad} is outside the split (0 to {value})").format(
                bad=bad[0], value=size - 1
            ),
            "indices",
        )
    return values


@router.get(
    "/datasets/{name}/examples",
    summary="Examples exactly as the network receives them",
    response_model=ExamplesResponse,
)
def examples(
    name: str,
    split: str = Query("train", description="train or test"),
    start: int = Query(0, ge=0, le=1_000_000, description="first index (without indices)"),
    count: int = Query(64, ge=1, le=MAX_LIST_EXAMPLES, description="how many (without indices)"),
    indices: str | None = Query(
        None, max_length=4000, description="comma-separated indices, e.g. 3,17,42 (instead)"
    ),
) -> Response:
    """float32 images in [0, 1] (N×1×28×28) with their labels and indices in the split."""
    data = datasets.get_dataset(name)
    xs, ys = data.split(split)
    if indices is not None:
        chosen = parse_indices(indices, len(xs))
    else:
        if start >= len(xs):
            raise InputError(
                gettext("start must be below the split's size {xs_count}").format(xs_count=len(xs)),
                "start",
            )
        chosen = list(range(start, min(len(xs), start + count)))
    return json_response(
        dict(
            dataset=name,
            split=split,
            x=xs[chosen].tolist(),
            labels=ys[chosen].tolist(),
            indices=chosen,
        )
    )


def network_for(layers, input_shape, num_classes=None) -> Network:
    return build_network([layer.spec() for layer in layers], input_shape, num_classes)


def as_lists(network: Network, flat: np.ndarray) -> list[dict]:
    """Flat parameters -> one {name: nested list} per layer (float64 for JSON)."""
    return [
        {name: array.astype(np.float64).tolist() for name, array in layer.items()}
        for layer in network.unflatten(flat)
    ]


@router.post("/gradients", summary="One forward and backward pass (float64)")
def gradients(request: GradientsRequest) -> GradientsResponse:
    """Loss, scores, probabilities and dL/dparams for a batch, batch norm in training mode (the
    batch's statistics), as torch autograd computes them for the same network in float64."""
    x = to_array(request.x, "x", 4)
    network = network_for(request.layers, x.shape[1:])
    network.check_size(x.shape[0])
    labels = network.check_labels(request.labels, x.shape[0])
    flat = network.flatten(request.params)
    loss, data_loss, forward, backward, probs = network.loss_and_gradients(
        flat, x, labels, request.weight_decay
    )
    if not (math.isfinite(loss) and np.isfinite(backward.flat).all()):
        raise InputError(
            gettext(
                "the loss or a gradient is not finite for these parameters (they are too large)"
            ),
            "params",
        )
    return GradientsResponse(
        loss=loss,
        data_loss=data_loss,
        logits=forward.logits.tolist(),
        probs=probs.tolist(),
        grads=as_lists(network, backward.flat),
        layers=layer_summary(network),
        num_params=network.num_params,
    )


@router.post("/network", summary="Describe a network without training it")
def network(request: NetworkRequest) -> NetworkResponse:
    """Each layer's output shape with its size formula and its parameter count, for one example
    of the data set; a layer that does not fit is explained (`error`, naming it and the sizes)
    beside the layers before it, and `trainable` says whether POST /api/cnn/train takes the
    network (its parameters, its state with this optimiser, a batch's memory)."""
    info = datasets.get_info(request.dataset)
    classes = len(info.classes)
    check = check_network([layer.spec() for layer in request.layers], info.shape, classes)
    summaries = {entry["index"]: entry for entry in layer_summary(check.layers)}
    layers = []
    for layer in check.layers:
        formulas = layer_formulas(layer)
        layers.append(
            {
                **summaries[layer.index],
                "sizes": formulas["sizes"],
                "shape_formula": formulas["shape"],
                "params_formula": formulas["params"],
            }
        )
    response = {
        "input_shape": list(info.shape),
        "classes": classes,
        "ln_classes": math.log(classes),
        "layers": layers,
        "fits": check.network is not None,
        "error": None,
        "num_params": None,
        "flops": None,
        "trainable": False,
        "train_error": None,
        "max_chunk_steps": None,
        "replay_steps": None,
    }
    if check.network is None:
        error = check.error
        response["error"] = {
            "layer": check.error_layer,
            "message": error.message,
            "field": error.field,
        }
        return NetworkResponse(**response)
    net = check.network
    response.update(num_params=net.num_params, flops=net.flops())
    opt = nn_train.optimizers.get_optimizer(request.optimizer, "optimizer")
    try:
        nn_train.check_work(net, request.batch_size, 1, True, opt.name)
    except InputError as error:
        response["train_error"] = error.message
        return NetworkResponse(**response)
    steps = nn_train.max_chunk_steps(net, request.batch_size, True)
    response.update(trainable=True, max_chunk_steps=steps, replay_steps=REPLAY_CHUNKS * steps)
    return NetworkResponse(**response)


@router.post("/gradcheck", summary="Analytic gradients against central differences")
def gradcheck(
    request: GradcheckRequest, settings: Annotated[Settings, Depends(request_settings)]
) -> GradcheckResponse:
    """Per layer and parameter array, a seeded sample of entries: back-propagation's dL/dp, the
    float64 central difference, and the relative error. The batch is x and labels, or `count`
    seeded training examples of a data set; the parameters are given, a training state's, or
    initialised."""
    network, x, labels, flat, step = gradcheck_run(request, settings)
    result = nn_gradcheck.gradcheck(
        network, flat, x, labels, request.samples, request.h, request.seed
    )
    if not math.isfinite(result["loss"]) or not math.isfinite(result["max_relative_error"]):
        raise InputError(gettext("the loss is not finite for these parameters"), "params")
    return GradcheckResponse(**result, layers=layer_summary(network), step=step)


def gradcheck_run(request: GradcheckRequest, settings: Settings):
    """(network, batch, labels, flat parameters, their step) of a /api/cnn/gradcheck body: the
    endpoint and its programs (app/codegen/cnn_checks.py) check the same numbers."""
    num_classes = None
    if request.x is not None:
        if request.labels is None:
            raise InputError(gettext("labels are needed with x"), "labels")
        x = to_array(request.x, "x", 4)
        labels = request.labels
    else:
        data = datasets.get_dataset(request.dataset or "shapes")
        rng = np.random.default_rng([request.seed, 0xDA7A])
        chosen = np.sort(rng.choice(data.info.train_size, request.count, replace=False))
        x = data.train_x[chosen].astype(np.float64)
        labels = data.train_y[chosen]
        num_classes = len(data.info.classes)
    network = network_for(request.layers, x.shape[1:], num_classes)
    network.check_size(x.shape[0])
    nn_gradcheck.check_work(network, x.shape[0], request.samples)
    labels = network.check_labels(labels, x.shape[0])
    step = 0
    if request.params is not None and request.state is not None:
        raise InputError(gettext("give params or a state, not both"), "state")
    if request.params is not None:
        flat = network.flatten(request.params)
    elif request.state is not None:
        net = nn_inspect.trained(network, state=request.state, secret=secret(settings))
        flat, step = network.flatten(net.params, field_name="state"), net.step
    else:
        flat = network.init_params(request.init, request.seed)
    return network, x, labels, flat, step


def training_run(request: TrainRequest):
    """(data set, network, training config) of a /api/cnn/train body: the endpoint and its
    programs (app/codegen/train.py) start a run the same way."""
    data = datasets.get_dataset(request.dataset)
    info = data.info
    network = network_for(request.layers, info.shape, len(info.classes))
    config = nn_train.make_config(
        network,
        info.name,
        request.seed,
        request.init,
        request.optimizer.name,
        request.optimizer.params(),
        request.batch_size,
        request.weight_decay,
        request.subset,
        info.train_size,
    )
    return data, network, config


@router.post(
    "/train",
    summary="Train in a stateless chunk of steps",
    responses={
        422: {
            "description": "a bad field, a network that does not fit, too much work "
            "for one chunk, or a changed, truncated or foreign state"
        }
    },
)
def train(
    request: TrainRequest, settings: Annotated[Settings, Depends(request_settings)]
) -> TrainResponse:
    """Steps the network on seeded batches of the data set with the optimiser lesson's rules.

    With "state": null the run starts from the seed (initial_params, initial_loss); else it
    continues from the state string of the previous chunk. The same body and state give the
    same numbers on every worker; K steps in float64 equal K steps of torch.optim on the same
    batches from the same initial parameters (Nesterov as torch's nesterov=True).
    """
    data, network, config = training_run(request)
    info = data.info
    nn_train.check_work(network, request.batch_size, request.steps, request.eval, config.optimizer)
    digest = config.digest()
    if request.state is None:
        state = nn_train.new_state(network, config, request.precision or "float32")
    else:
        opt = nn_train.optimizers.OPTIMIZERS[config.optimizer]
        state = nn_state.unpack(
            request.state,
            secret(settings),
            digest,
            network.num_params,
            opt.state,
            nn_train.running_size(network),
        )
        if request.precision is not None and request.precision != state.precision:
            raise InputError(
                gettext(
                    "precision {precision} differs from the state's {precision2}: a "
                    "run keeps its precision (leave precision out, or start again "
                    "with state null)"
                ).format(precision=request.precision, precision2=state.precision),
                "precision",
            )
    if state.step + request.steps > nn_train.MAX_TOTAL_STEPS:
        raise InputError(
            gettext("a run may take at most {MAX_TOTAL_STEPS:,} steps in all").format(
                MAX_TOTAL_STEPS=nn_train.MAX_TOTAL_STEPS
            ),
            "steps",
        )
    chunk = nn_train.train_chunk(
        network, data, config, state, request.steps, request.eval, request.stats_every
    )
    final = chunk.state
    filters = (
        first_filters(network, nn_train.network_params(final, config)) if request.filters else None
    )
    per_epoch = config.examples(info) // request.batch_size
    return TrainResponse(
        state=nn_state.pack(
            final,
            digest,
            secret(settings),
            {"optimizer": config.optimizer, "lr": config.lr, "hp": config.hp},
        ),
        step=final.step,
        first_step=state.step + 1,
        precision=final.precision,
        losses=chunk.losses,
        batch_accuracy=chunk.batch_accuracy,
        batches=[b.tolist() for b in chunk.batches],
        diverged_at=chunk.diverged_at,
        initial_loss=chunk.initial_loss,
        ln_classes=math.log(len(info.classes)),
        initial_params=(
            as_lists(network, chunk.initial_params) if chunk.initial_params is not None else None
        ),
        params=(
            as_lists(network, nn_train.network_params(final, config))
            if request.return_params
            else None
        ),
        eval=chunk.evaluation,
        layer_stats=chunk.layer_stats,
        layers=layer_summary(network),
        num_params=network.num_params,
        steps_per_epoch=per_epoch,
        epoch=final.step / per_epoch,
        smoothed_losses=chunk.smoothed_losses,
        smoothing=nn_train.LOSS_SMOOTHING,
        layer_stats_history=[{"step": t, "layers": stats} for t, stats in chunk.stats_history],
        first_filters=(
            {**filters, "weight": filters["weight"].tolist(), "bias": filters["bias"].tolist()}
            if filters
            else None
        ),
        subset=(
            datasets.subset_indices(info.name, info.train_size, config.seed, config.subset).tolist()
            if config.subset is not None
            else None
        ),
    )


def trained_of(request, network: Network, settings: Settings):
    return nn_inspect.trained(
        network,
        request.params,
        [r.model_dump() if r else None for r in request.running] if request.running else None,
        request.state,
        secret(settings),
    )


@router.post("/inspect", summary="One example through every layer, forward and backward")
def inspect(
    request: InspectRequest, settings: Annotated[Settings, Depends(request_settings)]
) -> InspectResponse:
    """Every layer's output for one C×H×W example, the class probabilities and the prediction;
    with a label also the loss, dL/d(each layer's output) and dL/dparams. Batch norm uses its
    running averages (one example is not a batch), as a PyTorch model in eval() mode."""
    x = to_array(request.x, "x", 3)
    network = network_for(request.layers, x.shape)
    nn_inspect.check_inspect_size(network, request.label is not None)
    net = trained_of(request, network, settings)
    seen = nn_inspect.inspect(network, net.params, net.running, x, request.label)
    labelled = seen.loss is not None
    return InspectResponse(
        activations=[a.tolist() for a in seen.activations],
        logits=seen.logits.tolist(),
        probs=seen.probs.tolist(),
        predicted=seen.predicted,
        loss=seen.loss,
        grads=[g.tolist() for g in seen.grads] if labelled else None,
        param_grads=(
            [{k: v.tolist() for k, v in p.items()} for p in seen.param_grads] if labelled else None
        ),
        input_grad=seen.input_grad.tolist() if labelled else None,
        layers=layer_summary(network),
        step=net.step,
    )


@router.post("/trace", summary="The arithmetic of one cell or one weight's gradient")
def trace(
    request: TraceRequest, settings: Annotated[Settings, Depends(request_settings)]
) -> TraceResponse:
    """A cell (`cell`) of layer `layer` (len(layers): the softmax) written out with the trained
    numbers, as POST /api/conv2d's steps; or a weight (`weight`, of `param`): dL/dp as a sum
    over where it acted, beside the float64 central difference, and the step an optimiser
    would take on it with this example's gradient."""
    if (request.cell is None) == (request.weight is None):
        raise InputError(gettext("give a cell or a weight (one of them)"), "cell")
    x = to_array(request.x, "x", 3)
    network = network_for(request.layers, x.shape)
    nn_inspect.check_inspect_size(network, request.label is not None)
    net = trained_of(request, network, settings)
    if request.cell is not None:
        cell = nn_inspect.trace_cell(
            network, net.params, net.running, x, request.layer, request.cell
        )
        return TraceResponse(cell=cell, weight=None, update=None)
    weight = nn_inspect.trace_weight(
        network, net.params, net.running, x, request.label, request.layer, request.param,
        request.weight,
    )  # fmt: skip
    spec = request.optimizer
    update = nn_inspect.weight_update(
        net, network, request.layer, request.param, tuple(request.weight), weight["total"],
        spec.name if spec else None, spec.params() if spec else None,
    )  # fmt: skip
    return TraceResponse(cell=None, weight=weight, update=update)


@router.post("/confusion", summary="The confusion matrix of the test subset, with its examples")
def confusion(
    request: ConfusionRequest, settings: Annotated[Settings, Depends(request_settings)]
) -> ConfusionResponse:
    """The fixed test subset a training chunk evaluates on, through the network in evaluation
    mode (float64): counts[t][p] examples of true class t predicted as p, the test indices of
    every cell, and the misclassified examples, the most confidently wrong first."""
    data = datasets.get_dataset(request.dataset)
    info = data.info
    network = network_for(request.layers, info.shape)
    net = trained_of(request, network, settings)
    matrix = nn_inspect.confusion(network, net.params, net.running, data)
    return ConfusionResponse(
        **matrix,
        classes=[gettext(en) for en, _ in info.classes],
        classes_zh=[zh for _, zh in info.classes],
        step=net.step,
    )


@router.post("/filters", summary="The first layer's kernels beside the image-filter presets")
def learned_filters(
    request: FiltersRequest, settings: Annotated[Settings, Depends(request_settings)]
) -> FiltersResponse:
    """Each kernel slice of the first conv layer with the presets of /filters of the same size,
    by |cosine similarity| Σ w·p / (‖w‖ ‖p‖) (signed: −1 is the preset negated)."""
    info = datasets.get_info(request.dataset)
    network = network_for(request.layers, info.shape)
    net = trained_of(request, network, settings)
    found = nn_inspect.resemblance(network, net.params, request.top)
    if found is None:
        return FiltersResponse(
            layer=None, size=None, weight=None, limit=None, filters=None, presets=[], step=net.step
        )
    return FiltersResponse(**{**found, "weight": found["weight"].tolist()}, step=net.step)


@router.post(
    "/example",
    summary="An uploaded image as one example of the data set",
    responses={
        413: {"description": "more bytes than the upload limit"},
        415: {"description": "not an image the lab reads (PNG, JPEG, GIF, WebP, BMP)"},
        422: {"description": "an empty or damaged image, a decompression bomb, a bad form"},
    },
)
def example(
    request: Request,
    body: Annotated[bytes, Depends(read_body)],
    settings: Annotated[Settings, Depends(request_settings)],
    dataset: str = Query("shapes", max_length=40, description=", ".join(datasets.CATALOGUE)),
    invert: str = Query(
        "auto", pattern="^(auto|yes|no)$", description="auto (when its border is light), yes, no"
    ),
) -> ExampleResponse:
    """multipart/form-data with one `file`: made grayscale (ITU-R 601 luma), scaled so its
    longest side is the data set's 28 (Lanczos), values / 255 in [0, 1], inverted when its
    border is light (the data sets are light on black) and centred on a black 28×28 square;
    `notes` says what was done. Parsed in memory, never written to disk."""
    info = datasets.get_info(dataset)
    form = parse_form(body, request.headers.get("content-type", ""), ("file",))
    side = info.shape[-1]
    image = decode_image(
        form["file"].data, "gray", settings.image_max_pixels, side, settings.upload_max_bytes
    )
    gray = image.as_chw()[0]
    x, notes, inverted = nn_inspect.as_example(gray, side, invert)
    gray_file = image.mode in ("1", "L", "LA", "I", *SIXTEEN_BIT)
    done = [
        f"a {image.original_width}×{image.original_height} {image.format} image"
        + (" (grayscale)" if gray_file else ", made grayscale: 0.299 R + 0.587 G + 0.114 B"),
        *image.notes(side),
        "values divided by 255 into [0, 1]" if image.scale == 255 else "values divided by 65535",
        *notes,
    ]
    return ExampleResponse(
        x=x.tolist(),
        notes=done,
        original_width=image.original_width,
        original_height=image.original_height,
        inverted=inverted,
        pixels=image.pixels[:, :, 0].tolist(),
        scale=image.scale,
    )
