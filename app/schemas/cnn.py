"""Models for /api/cnn: data sets, examples, gradients, gradient check and training in chunks.

Every size is bounded here or, where it depends on the architecture (parameter count, work of
a step, values kept per batch), in the core before any computing. Floats are finite.
"""

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field
from typing_extensions import TypeAliasType

from app.core import datasets
from app.core.nn import inspect as nn_inspect
from app.core.nn import layers as nn_layers
from app.core.nn import network as nn_network
from app.core.nn import train as nn_train
from app.schemas.common import MAX_SEED, Finite, StrictModel, Value, bounded
from app.schemas.optim import OptimizerSpec

MAX_EXAMPLES = 64  # N of POST /api/cnn/gradients and /gradcheck
MAX_CHANNELS = 3
MAX_SIDE = 64
MAX_LIST_EXAMPLES = 256  # GET .../examples
MAX_GRADCHECK_SAMPLES = 50  # entries per parameter array
# A link to /cnn replays its run from step 0; it replays at most this many chunks' worth of the
# largest chunk (about 2 to 3 seconds of work each on one core).
REPLAY_CHUNKS = 10
# The largest state: MAX_STATE_VALUES float64 values and a header, in base64 (4/3).
MAX_STATE_CHARS = 4 * (8 * nn_train.MAX_STATE_VALUES + 4096) // 3 + 64

# A nested list of finite numbers of any depth (an array with PyTorch's shape).
Tensor = TypeAliasType("Tensor", Union[Finite, list["Tensor"]])  # noqa: UP007

TYPES = ", ".join(
    f"{name} ({', '.join(f'{k} = {o.default}' if o.default is not None else k for k, o in spec['options'].items()) or 'no options'})"  # noqa: E501
    for name, spec in nn_layers.LAYER_TYPES.items()
)
LAYERS_DESCRIPTION = (
    "the architecture, layer 0 first; the last layer's output is the class scores (softmax "
    f"cross-entropy, mean over the batch). Types and options (PyTorch's defaults): {TYPES}. "
    "conv and pooling need C×H×W maps, linear a vector (put flatten before it); batchnorm "
    "normalises per channel over N, H, W on maps (BatchNorm2d) and per feature over N on vectors "
    f"(BatchNorm1d). At most {nn_network.MAX_LAYERS} layers."
)
PARAMS_DESCRIPTION = (
    'one entry per layer, in order: {"weight", "bias"} for conv (F×C×k×k, F) and linear '
    '(out×in, out), {"gamma", "beta"} for batchnorm (C), {} for the others; nested arrays '
    "with PyTorch's shapes"
)


class LayerSpec(StrictModel):
    """One layer: its type and the options that type takes (the others must be left out)."""

    type: str = Field(max_length=20, description=", ".join(nn_layers.LAYER_TYPES))
    filters: int | None = Field(default=None, ge=1, le=64, description="conv: output channels F")
    size: int | None = Field(
        default=None, ge=1, le=11, description="conv: kernel size k; pooling: window size k"
    )
    stride: int | None = Field(
        default=None, ge=1, le=8, description="conv: default 1; pooling: default the size"
    )
    padding: int | None = Field(
        default=None, ge=0, le=5, description="zero padding on every side, default 0"
    )
    negative_slope: float | None = Field(
        default=None, ge=0, le=1, allow_inf_nan=False, description="leaky_relu: default 0.01"
    )
    alpha: float | None = Field(
        default=None, ge=0, le=10, allow_inf_nan=False, description="elu: default 1.0"
    )
    eps: float | None = Field(
        default=None, ge=1e-12, le=1, allow_inf_nan=False, description="batchnorm: default 1e-5"
    )
    momentum: float | None = Field(
        default=None, ge=0, le=1, allow_inf_nan=False, description="batchnorm: default 0.1"
    )
    out: int | None = Field(default=None, ge=1, le=1024, description="linear: output features")

    def spec(self) -> dict:
        return self.model_dump(exclude_none=True)


Layers = Field(min_length=1, max_length=nn_network.MAX_LAYERS, description=LAYERS_DESCRIPTION)
Params = list[dict[str, Tensor]]
Image = bounded(bounded(bounded(Value, MAX_SIDE), MAX_SIDE), MAX_CHANNELS)  # C×H×W
Batch = bounded(Image, MAX_EXAMPLES)


class LayerInfo(BaseModel):
    index: int = Field(description="layers are numbered from 0")
    type: str
    description: str = Field(description="the layer with its options, e.g. conv 3×3×8, stride 1")
    spec: dict[str, Any] = Field(description="the options in force, defaults filled in")
    input_shape: list[int] = Field(description="one example's input: C×H×W or [D]")
    output_shape: list[int] = Field(description="one example's output: C×H×W or [D]")
    params: int = Field(description="number of parameters of the layer")


# ---------------------------------------------------------------- data sets


class DatasetInfo(BaseModel):
    name: str
    label: str
    label_zh: str
    classes: list[str] = Field(description="class names in English, by label index")
    classes_zh: list[str] = Field(description="class names in Chinese, by label index")
    shape: list[int] = Field(description="one example: [C, H, W]")
    train_size: int
    test_size: int
    source: str
    licence: str
    description: str
    value_range: list[float] = Field(description="pixel values: float32 in [0, 1], 0 = black")
    eval_size: int = Field(description="examples per split in a training chunk's evaluation")


class ExamplesResponse(BaseModel):
    dataset: str
    split: Literal["train", "test"]
    x: list[list[list[list[float]]]] = Field(
        description="N×C×H×W, exactly as the network receives them (float32 in [0, 1])"
    )
    labels: list[int]
    indices: list[int] = Field(description="each example's index in its split")


# ---------------------------------------------------------------- gradients


class GradientsRequest(StrictModel):
    layers: list[LayerSpec] = Layers
    params: Params = Field(max_length=nn_network.MAX_LAYERS, description=PARAMS_DESCRIPTION)
    x: Batch = Field(
        description=f"the batch N×C×H×W (N ≤ {MAX_EXAMPLES}, C ≤ {MAX_CHANNELS}, H, W ≤ {MAX_SIDE})"
    )
    labels: bounded(int, MAX_EXAMPLES) = Field(description="one class index per example")
    weight_decay: float = Field(
        default=0.0,
        ge=0,
        le=10,
        allow_inf_nan=False,
        description="λ: adds (λ/2)·Σ p² over every parameter to the loss, λ·p to each gradient",
    )


class GradientsResponse(BaseModel):
    loss: float = Field(description="mean cross-entropy, plus the weight-decay penalty if any")
    data_loss: float = Field(description="mean cross-entropy alone")
    logits: list[list[float]] = Field(description="N×K class scores (the last layer's output)")
    probs: list[list[float]] = Field(description="N×K softmax probabilities")
    grads: list[dict[str, Any]] = Field(
        description="dL/dparams, the same structure and shapes as params"
    )
    layers: list[LayerInfo]
    num_params: int


# ---------------------------------------------------------------- gradient check


class GradcheckRequest(StrictModel):
    layers: list[LayerSpec] = Layers
    params: Params | None = Field(
        default=None,
        max_length=nn_network.MAX_LAYERS,
        description=PARAMS_DESCRIPTION + "; omit to initialise from seed and init (or give state)",
    )
    state: str | None = Field(
        default=None,
        max_length=MAX_STATE_CHARS,
        description="instead of params: a state string from POST /api/cnn/train, to check the "
        "network as trained so far (batch norm in training mode, on the batch, as always here)",
    )
    x: Batch | None = Field(
        default=None, description="the batch N×C×H×W; omit to take `count` examples of dataset"
    )
    labels: bounded(int, MAX_EXAMPLES) | None = Field(
        default=None, description="with x: one class index per example"
    )
    dataset: str | None = Field(
        default=None,
        max_length=40,
        description=f"without x: {', '.join(datasets.CATALOGUE)} (default shapes)",
    )
    count: int = Field(default=8, ge=2, le=MAX_EXAMPLES, description="without x: examples taken")
    seed: int = Field(
        default=0, ge=0, le=MAX_SEED, description="initial params, the examples and the entries"
    )
    init: str = Field(default="auto", max_length=20, description=", ".join(nn_network.INIT_SCHEMES))
    samples: int = Field(
        default=10,
        ge=1,
        le=MAX_GRADCHECK_SAMPLES,
        description="entries checked per parameter array (all of them if it has fewer)",
    )
    h: float = Field(
        default=1e-5, ge=1e-8, le=1e-2, allow_inf_nan=False, description="central-difference step"
    )


class ParamCheck(BaseModel):
    layer: int
    type: str
    param: str = Field(description="weight, bias, gamma or beta")
    shape: list[int]
    entries: list[list[int]] = Field(description="the indices checked")
    analytic: list[float] = Field(description="back-propagation's dL/dp at each entry")
    numerical: list[float] = Field(description="(L(p + h) − L(p − h)) / 2h at each entry")
    relative_errors: list[float] = Field(
        description="|a − n| / max(|a|, |n|) per entry (0 when both are 0)"
    )
    max_relative_error: float
    verdict: str = Field(description="what the largest error says (see verdicts): a fixed key")
    label: str = Field(description="the verdict in the request's language")


class Verdict(BaseModel):
    up_to: float | None = Field(
        description="largest relative errors up to this get this verdict (None: any larger)"
    )
    verdict: str = Field(description="right, fine, uncomfortable or wrong or a kink: a fixed key")
    label: str = Field(description="the verdict in the request's language")
    meaning: str


class GradcheckResponse(BaseModel):
    loss: float
    h: float
    checks: list[ParamCheck] = Field(description="per layer and parameter array, in order")
    max_relative_error: float
    verdict: str = Field(description="what the largest error of all says: a fixed key")
    label: str = Field(description="the verdict in the request's language")
    meaning: str = Field(description="how to read the relative errors")
    verdicts: list[Verdict] = Field(description="the verdicts, from the smallest errors up")
    layers: list[LayerInfo]
    step: int = Field(description="the training step of the parameters checked (0: initial)")


# ---------------------------------------------------------------- training


class TrainRequest(StrictModel):
    layers: list[LayerSpec] = Layers
    dataset: str = Field(default="shapes", max_length=40, description=", ".join(datasets.CATALOGUE))
    seed: int = Field(
        default=0,
        ge=0,
        le=MAX_SEED,
        description="decides the initial parameters and the batch order of every epoch",
    )
    init: str = Field(
        default="auto",
        max_length=20,
        description="auto (He for ReLU-like networks, Xavier with tanh/sigmoid), "
        + ", ".join(nn_network.INIT_SCHEMES[1:])
        + f"; biases 0, γ 1, β 0; the last layer's weights × {nn_network.LAST_LAYER_SCALE} so "
        "the initial loss is close to ln C",
    )
    optimizer: OptimizerSpec = Field(
        description="name and hyper-parameters as POST /api/optimize (the same rules, defaults "
        "and ranges)",
        examples=[{"name": "adam", "lr": 0.001}],
    )
    batch_size: int = Field(default=64, ge=1, le=nn_train.MAX_BATCH)
    weight_decay: float = Field(
        default=0.0,
        ge=0,
        le=10,
        allow_inf_nan=False,
        description="λ on every parameter (one parameter group, as torch.optim): sgd, momentum, "
        "nesterov, adagrad, rmsprop and adam add λ·p to the gradient; for adamw it is decoupled "
        "(p ← p·(1 − α·λ)): adamw uses its own weight_decay hyper-parameter (default 0.01) "
        "unless this is > 0, which then sets it",
    )
    precision: Literal["float32", "float64"] | None = Field(
        default=None,
        description="float32 (default for a new run) or float64; a continuing run keeps its "
        "state's precision (giving another one is an error)",
    )
    state: str | None = Field(
        default=None,
        max_length=MAX_STATE_CHARS,
        description="null to start a run; else the state string of the previous chunk's "
        "response, unchanged (signed: a changed, truncated or foreign state is refused)",
    )
    steps: int = Field(
        default=10,
        ge=1,
        le=nn_train.MAX_STEPS,
        description=f"steps in this chunk (≤ {nn_train.MAX_STEPS}; steps × batch_size ≤ "
        f"{nn_train.MAX_LISTED_EXAMPLES:,} and the work bounded: the detail says how many fit)",
    )
    eval: bool = Field(
        default=False,
        description=f"after the chunk, accuracy and loss on fixed subsets of "
        f"{datasets.EVAL_SIZE} training and test examples (batch norm in evaluation mode)",
    )
    return_params: bool = Field(default=False, description="return the parameters after the chunk")
    filters: bool = Field(
        default=False, description="return the first conv layer's filters after the chunk"
    )
    stats_every: int | None = Field(
        default=None,
        ge=1,
        le=nn_train.MAX_STEPS,
        description="also list the layer statistics of every step t with t % stats_every == 0 "
        "(the same steps whatever the chunks)",
    )
    subset: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="train on this many seeded training examples only, batch_size of them per "
        "step (at least batch_size; with subset = batch_size every step sees the same batch: "
        "the sanity check 'overfit a tiny batch')",
    )


class Evaluation(BaseModel):
    train_accuracy: float
    test_accuracy: float
    test_loss: float | None
    train_loss: float | None
    train_examples: int
    test_examples: int


class LayerStats(BaseModel):
    layer: int
    type: str
    param: str | None = Field(description="the parameter the norms are of (weight, or gamma)")
    weight_norm: float | None = Field(description="‖w‖ before the chunk's last step")
    grad_norm: float | None = Field(description="‖dL/dw‖ at the chunk's last step")
    update_ratio: float | None = Field(
        description="‖Δw‖/‖w‖ of the last step (rule of thumb: about "
        f"{nn_train.UPDATE_RATIO_RULE:g})"
    )
    activation_mean: float = Field(description="mean of the layer's output on the last batch")
    activation_std: float
    dead_fraction: float | None = Field(
        description="ReLU-like layers: share of units (channel × position) ≤ 0 on every example "
        "of the last batch"
    )
    inactive_fraction: float | None = Field(
        description="ReLU-like layers: share of the last batch's outputs ≤ 0"
    )


class StatsAt(BaseModel):
    step: int
    layers: list[LayerStats]


class Filters(BaseModel):
    layer: int = Field(description="the first conv layer's index")
    weight: list[list[list[list[float]]]] = Field(description="F×C×k×k")
    bias: list[float] = Field(description="F")
    limit: float = Field(description="max |w|: a colour scale centred on 0 spans ±limit")


class TrainResponse(BaseModel):
    state: str = Field(description="pass it unchanged to the next chunk")
    step: int = Field(description="steps taken in the whole run after this chunk")
    first_step: int = Field(description="the step number of losses[0] (steps count from 1)")
    precision: str
    losses: list[float] = Field(
        description="per step: the mean cross-entropy of its batch, before its update"
    )
    batch_accuracy: list[float] = Field(description="per step: accuracy on its batch")
    batches: list[list[int]] = Field(
        description="per step: the training examples used; epoch e visits a permutation that "
        "depends only on the data set, the seed and e (the last partial batch is dropped)"
    )
    diverged_at: int | None = Field(
        description="the step whose loss, parameters or optimiser state became non-finite: the "
        "chunk stopped before it and the state is the last finite one"
    )
    initial_loss: float | None = Field(
        description="first chunk only: the initial parameters' loss on the first batch"
    )
    ln_classes: float = Field(description="ln C, what the initial loss should be close to")
    initial_params: list[dict[str, Any]] | None = Field(
        description="first chunk only: the parameters before the first step"
    )
    params: list[dict[str, Any]] | None = Field(
        description="with return_params: the network's parameters after the chunk"
    )
    eval: Evaluation | None
    layer_stats: list[LayerStats] | None = Field(description="per layer, at the chunk's last step")
    layers: list[LayerInfo]
    num_params: int
    steps_per_epoch: int
    epoch: float = Field(description="epochs done after this chunk: step / steps_per_epoch")
    smoothed_losses: list[float] = Field(
        description="per step: the loss smoothed as s ← β·s + (1 − β)·loss, debiased "
        "s / (1 − βᵗ); the running s travels in the state, so any chunks give the same curve"
    )
    smoothing: float = Field(description="β of the smoothed loss")
    layer_stats_history: list[StatsAt] = Field(
        description="with stats_every: the layer statistics at each listed step of the chunk"
    )
    first_filters: Filters | None = Field(
        description="with filters: the first conv layer's filters after the chunk"
    )
    subset: list[int] | None = Field(
        description="with subset: the training examples the run trains on"
    )


# ---------------------------------------------------------------- inside the network

Example = Image


class Running(StrictModel):
    mean: bounded(Finite, 1024)
    var: bounded(Annotated[float, Field(ge=0, allow_inf_nan=False)], 1024)


class TrainedRequest(StrictModel):
    """A trained network: its layers with params (and running averages) or a state."""

    layers: list[LayerSpec] = Layers
    params: Params | None = Field(
        default=None,
        max_length=nn_network.MAX_LAYERS,
        description=PARAMS_DESCRIPTION + "; or give state",
    )
    running: list[Running | None] | None = Field(
        default=None,
        max_length=nn_network.MAX_LAYERS,
        description="batch norm's running averages per layer (null for the others); default "
        "mean 0, var 1 (a new layer's). Taken from the state when a state is given",
    )
    state: str | None = Field(
        default=None,
        max_length=MAX_STATE_CHARS,
        description="a state string from POST /api/cnn/train instead of params: the network as "
        "trained so far (Nesterov's parameters are its look-ahead point, as torch's)",
    )


class InspectRequest(TrainedRequest):
    x: Example = Field(description="one example C×H×W, as the data set's (float32 in [0, 1])")
    label: int | None = Field(
        default=None, ge=0, le=1023, description="its class: adds the loss and the gradients"
    )


class InspectResponse(BaseModel):
    activations: list[Tensor] = Field(
        description="per layer, its output for this example: C×H×W or a vector"
    )
    logits: list[float] = Field(description="the class scores")
    probs: list[float] = Field(description="softmax of the scores")
    predicted: int
    loss: float | None = Field(description="cross-entropy of this example, with a label")
    grads: list[Tensor] | None = Field(
        description="per layer, dL/d(its output), the shapes of activations (with a label)"
    )
    param_grads: list[dict[str, Tensor]] | None = Field(
        description="dL/dparams for this example, the structure of params (with a label)"
    )
    input_grad: Tensor | None = Field(description="dL/dx, C×H×W (with a label)")
    layers: list[LayerInfo]
    step: int | None = Field(description="the training step of the state, when one was given")


class TraceRequest(InspectRequest):
    layer: int = Field(
        ge=0, le=nn_network.MAX_LAYERS, description="from 0; len(layers) is the softmax"
    )
    cell: bounded(Annotated[int, Field(ge=0, le=4096)], 3) | None = Field(
        default=None, description="an output cell of that layer: [c, y, x], or [k] for a vector"
    )
    weight: bounded(Annotated[int, Field(ge=0, le=4096)], 4) | None = Field(
        default=None, description="an entry of one of the layer's parameters, e.g. [f, c, m, n]"
    )
    param: Literal["weight", "bias", "gamma", "beta"] = Field(
        default="weight", description="which parameter `weight` indexes"
    )
    optimizer: OptimizerSpec | None = Field(
        default=None,
        description="with a weight: the step this optimiser would take on it with this "
        "example's gradient (default: the state's optimiser)",
    )


class CellTrace(BaseModel):
    """The arithmetic of one cell; fields by kind (conv, pooling, activation, batch norm,
    flatten, linear, softmax)."""

    kind: str
    layer: int | None = None
    cell: list[int]
    value: float = Field(description="the cell's value, as the activations show it")
    top: int | None = None
    left: int | None = None
    cells: list[list[int]] | None = Field(default=None, description="conv: padded [row, col]")
    is_padding: list[bool] | None = None
    window: list[Any] | None = Field(default=None, description="the input window (null: padding)")
    kernel: list[list[list[float]]] | None = None
    products: list[list[list[float]]] | None = None
    channel_sums: list[float] | None = None
    bias: float | None = None
    winner: list[int] | None = Field(
        default=None, description="max pooling: [row, col] in the window"
    )
    sum: float | None = None
    divisor: int | None = None
    x: float | None = None
    formula: str | None = None
    derivative: float | None = None
    alpha: float | None = None
    running_mean: float | None = None
    running_var: float | None = None
    eps: float | None = None
    std: float | None = Field(default=None, description="√(running_var + ε)")
    x_hat: float | None = None
    gamma: float | None = None
    beta: float | None = None
    source: list[int] | None = Field(default=None, description="flatten: [c, y, x] it came from")
    terms: list[dict[str, float | int]] | None = Field(
        default=None, description="linear: the largest contributions w·x first"
    )
    rest_count: int | None = None
    rest_sum: float | None = None
    products_sum: float | None = None
    logits: list[float] | None = None
    max: float | None = None
    exps: list[float] | None = Field(default=None, description="softmax: e^(z − max z)")


class WeightTerm(BaseModel):
    position: list[int] = Field(description="the output position where the weight acted")
    x: float = Field(description="the input it multiplied there (1 for a bias)")
    grad_output: float = Field(description="dL/d(output) there")
    product: float


class WeightTrace(BaseModel):
    layer: int
    param: str
    weight: list[int]
    value: float
    terms: list[WeightTerm] = Field(description="the sum's terms, the largest first")
    total: float = Field(description="dL/dp, back-propagation's")
    numerical: float = Field(description="the float64 central difference of this example's loss")
    h: float
    loss: float


class WeightUpdate(BaseModel):
    optimizer: str
    t: int = Field(description="the step it would be, from 1")
    grad: float = Field(description="this example's dL/dp")
    before: float = Field(description="the optimiser's variable before")
    after: float
    quantities: dict[str, float] = Field(description="the step's numbers, as the numbers panel")


class TraceResponse(BaseModel):
    cell: CellTrace | None
    weight: WeightTrace | None
    update: WeightUpdate | None


class ConfusionRequest(TrainedRequest):
    dataset: str = Field(default="shapes", max_length=40, description=", ".join(datasets.CATALOGUE))


class Mistake(BaseModel):
    index: int = Field(description="its index in the test split")
    label: int = Field(description="its true class")
    predicted: int
    prob: float = Field(description="the probability the network gave the predicted class")


class ConfusionResponse(BaseModel):
    counts: list[list[int]] = Field(
        description="K×K: counts[t][p] test examples of true class t predicted as p"
    )
    examples: list[list[list[int]]] = Field(
        description="K×K lists of test-split indices (the most confident first), at most "
        f"{nn_inspect.MAX_CELL_EXAMPLES} per cell"
    )
    accuracy: float
    size: int = Field(description="examples in the fixed test subset (as the training evaluation)")
    misclassified: list[Mistake] = Field(
        description=f"the most confidently wrong first, at most {nn_inspect.MAX_LISTED_MISTAKES}"
    )
    misclassified_count: int
    classes: list[str]
    classes_zh: list[str]
    step: int | None = Field(description="the training step of the state, when one was given")


class PresetMatch(BaseModel):
    preset: str = Field(description="an image-filter preset of /filters (app/core/filters.py)")
    similarity: float = Field(description="Σ w·p / (‖w‖ ‖p‖), from −1 to 1")


class PresetKernel(BaseModel):
    name: str
    label: str
    label_zh: str
    extracts: str
    kernel: list[list[float]]


class FiltersRequest(TrainedRequest):
    dataset: str = Field(default="shapes", max_length=40, description=", ".join(datasets.CATALOGUE))
    top: int = Field(default=3, ge=1, le=13, description="presets listed per kernel slice")


class FiltersResponse(BaseModel):
    layer: int | None = Field(description="the first conv layer (null: the network has none)")
    size: int | None = Field(description="its kernel size k")
    weight: list[list[list[list[float]]]] | None = Field(description="F×C×k×k")
    limit: float | None = Field(description="max |w|: a scale centred on 0 spans ±limit")
    filters: list[list[list[PresetMatch]]] | None = Field(
        description="[f][c]: the presets of size k by |similarity|, the largest first"
    )
    presets: list[PresetKernel] = Field(description="the presets of size k compared")
    step: int | None


class ExampleResponse(BaseModel):
    x: list[list[list[float]]] = Field(description="1×28×28 float32 values in [0, 1]")
    notes: list[str] = Field(description="what was done to the file, in sentences")
    original_width: int
    original_height: int
    inverted: bool
    pixels: list[list[int]] = Field(
        description="H×W whole numbers: the image as decoded (grayscale, scaled so its longest "
        "side is at most the data set's) before it is made an example; POST /api/code's body"
    )
    scale: int = Field(description="value = pixel / scale: 255, or 65535 for a 16-bit image")


# ---------------------------------------------------------------- a network, described


class NetworkRequest(StrictModel):
    layers: list[LayerSpec] = Layers
    dataset: str = Field(default="shapes", max_length=40, description=", ".join(datasets.CATALOGUE))
    optimizer: str = Field(
        default="adam", max_length=20, description="the optimiser whose state must fit"
    )
    batch_size: int = Field(default=64, ge=1, le=nn_train.MAX_BATCH)


class SizeReport(BaseModel):
    axis: str
    input: int
    kernel: int
    padding: int
    stride: int
    output: int
    numerator: int = Field(description="m + 2p − k")
    exact: bool = Field(description="whether (m + 2p − k) / s is whole (else floored)")
    leftover: int
    formula: str = Field(description="(m + 2p − k) / s + 1 with the numbers")
    unvisited: list[int] = Field(description="input rows (or columns) no window covers")
    fitting_paddings: list[int]
    fitting_strides: list[int]


class NetworkLayer(LayerInfo):
    sizes: dict[str, SizeReport] | None = Field(
        description="conv and pooling: the output-size formula per axis (height, width)"
    )
    shape_formula: str | None = Field(description="how the output shape follows, otherwise")
    params_formula: str | None = Field(description="how the parameter count follows")


class NetworkError(BaseModel):
    layer: int | None = Field(description="the layer that does not fit (None: the whole list)")
    message: str
    field: str | None


class NetworkResponse(BaseModel):
    input_shape: list[int] = Field(description="one example of the data set: C×H×W")
    classes: int = Field(description="the data set's number of classes C")
    ln_classes: float = Field(description="ln C, the expected initial loss")
    layers: list[NetworkLayer] = Field(
        description="the layers that fit, in order (all of them when fits)"
    )
    fits: bool = Field(description="every layer fits and the network ends in C scores")
    error: NetworkError | None = Field(description="why it does not fit")
    num_params: int | None = Field(description="parameters of the whole network, when it fits")
    flops: int | None = Field(description="multiply-adds of one example's forward pass")
    trainable: bool = Field(description="fits and /api/cnn/train takes it at this batch size")
    train_error: str | None = Field(description="why /api/cnn/train would refuse it")
    max_chunk_steps: int | None = Field(
        description="the most steps one /api/cnn/train chunk takes (with eval)"
    )
    replay_steps: int | None = Field(
        description=f"steps a link replays at once: {REPLAY_CHUNKS} of the largest chunks"
    )
