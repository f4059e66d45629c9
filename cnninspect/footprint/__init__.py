"""The memory footprint of one step: a training or inference step tracked on fake tensors with
torch's own memory tracker, and the largest batch that fits a budget. (Not named ``memory``:
``cnninspect.memory`` is the public function.)"""
