"""What each quantity of the exercises should be, said from the math: the hint `minirnn check` prints
under the first wrong one. hint(cell, function, quantity) -> one or two lines."""

_STEP = {
    "rnn": {
        "h_t": "h_t = tanh(a_t), a_t = x_t W_x + h_{t-1} W_h + b: (B, E) @ (E, H) + (B, H) @ (H, H) + (H,)",
        "dx_t": "dx_t = da W_x^T, where da = dh_t * (1 - h_t^2) is the gradient that passed back through tanh",
        "dh_prev": "dh_prev = da W_h^T, where da = dh_t * (1 - h_t^2): through tanh, then through h_{t-1} W_h",
        "dWx": "dWx = x_t^T da, where da = dh_t * (1 - h_t^2): (E, B) @ (B, H)",
        "dWh": "dWh = h_{t-1}^T da, where da = dh_t * (1 - h_t^2): (H, B) @ (B, H)",
        "db": "db = da summed over the batch (axis 0), where da = dh_t * (1 - h_t^2)",
    },
    "lstm": {
        "h_t": "h_t = o * tanh(c_t), with o = sigmoid(a[:, 3H:]) and a = x_t W_x + h_{t-1} W_h + b, "
               "blocks in the order i, f, g, o",
        "c_t": "c_t = f * c_{t-1} + i * g, with i, f, o = sigmoid and g = tanh of a's blocks, in the order i, f, g, o",
        "dx_t": "dx_t = da W_x^T, where da (B, 4H) = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)]",
        "dh_prev": "dh_prev = da W_h^T, where da (B, 4H) = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)]; "
                   "do = dh_t tanh(c_t), and di, df, dg come from dc = dc_t + dh_t o (1 - tanh(c_t)^2)",
        "dc_prev": "dc_prev is dL/dc_t times f_t, plus nothing else from this step: dc_prev = dc * f, "
                   "with dc = dc_t + dh_t * o * (1 - tanh(c_t)^2)",
        "dWx": "dWx = x_t^T da, where da (B, 4H) = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)], "
               "di = dc g, df = dc c_{t-1}, dg = dc i, do = dh_t tanh(c_t)",
        "dWh": "dWh = h_{t-1}^T da, where da (B, 4H) = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)]",
        "db": "db = da summed over the batch, where da (B, 4H) = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)]",
    },
    "gru": {
        "h_t": "h_t = (1 - z) * n + z * h_{t-1}; r, z = sigmoid(xw + hw) on blocks r, z; "
               "n = tanh(xw_n + r * (hw_n + b_hn)), with xw = x_t W_x + b, hw = h_{t-1} W_h",
        "dx_t": "dx_t = dxw W_x^T, where dxw (B, 3H) = [dar, daz, dan]: what reached x_t W_x + b",
        "dh_prev": "dh_prev = dh_t * z + dhw W_h^T: straight through z h_{t-1}, and through h_{t-1} W_h, "
                   "where dhw = [dar, daz, dan * r]",
        "dWx": "dWx = x_t^T dxw, dxw = [dr r(1-r), dz z(1-z), dn (1-n^2)], dn = dh_t (1-z), dz = dh_t (h_{t-1} - n), "
               "dr = dan * hWn",
        "dWh": "dWh = h_{t-1}^T dhw, where dhw = [dar, daz, dan * r]: n sees h_{t-1} W_hn only through r",
        "db": "db = dxw summed over the batch, dxw = [dar, daz, dan]",
        "dbhn": "dbhn = (dan * r) summed over the batch: b_hn sits inside r * (h_{t-1} W_hn + b_hn)",
    },
}

_LOOP = {
    "hs": "hs[:, t] = h_t: the step function applied at t = 0, 1, ..., T-1, starting from the initial state",
    "dx": "dx[:, t] is the dx_t of step t, called with dh_t = dhs[:, t] + dh_next (what step t+1 sent back)",
    "dh0": "dh0 is the dh_prev of step 0, once the loop has carried dh_next back from step T-1 to step 0",
    "dc0": "dc0 is the dc_prev of step 0, once the loop has carried dc_next back from step T-1 to step 0",
}


def hint(cell, function, quantity):
    if function.startswith("step"):
        return _STEP[cell].get(quantity, "")
    if quantity in _LOOP:
        return _LOOP[quantity]
    if quantity.startswith("d"):            # a weight: shared by every step
        return (f"{quantity} is the sum over t of every step's {quantity}, each step called with "
                f"dh_t = dhs[:, t] + dh_next")
    return ""
