// The LSTM cell's element-wise math, forward and backward, fused into one kernel each.
//
// These kernels replace exactly lstm_cell_forward / lstm_cell_backward in minirnn/lstm.py on the
// CuPy backend (minirnn/fused.py launches them). The matrix products stay with cuBLAS; what is
// fused is everything element-wise between them, which CuPy would otherwise run as ~15 small
// kernels, each reading and writing (B, H) arrays in global memory.
//
// Forward, for one step (gates in PyTorch's order i, f, g, o):
//     a = xw + hh                                         (B, 4H)
//     i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
//     gates = [i, f, g, o]                                (B, 4H)
//     c = f*c_prev + i*g
//     tanh_c = tanh(c)
//     h = o*tanh_c                                        h, c, tanh_c, c_prev: (B, H)
//
// Backward, for one step:
//     dc_total = dc + dh*o*(1 - tanh_c^2)
//     do = dh*tanh_c
//     di = dc_total*g;  df = dc_total*c_prev;  dg = dc_total*i
//     da = [di*i(1-i), df*f(1-f), dg*(1-g^2), do*o(1-o)]  (B, 4H)
//     dc_prev = dc_total*f                                (B, H)
//
// sigmoid(a) is computed as 0.5*(1 + tanh(a/2)), as in minirnn/activations.py: it never overflows.
//
// Memory layout: every array is C-contiguous (row-major). A (B, H) array holds element (b, j) at
// b*H + j. A (B, 4H) array holds the four gate blocks side by side in each row:
//     row b:  [ i_0 .. i_{H-1} | f_0 .. f_{H-1} | g_0 .. g_{H-1} | o_0 .. o_{H-1} ]
// so gate k (k = 0, 1, 2, 3 for i, f, g, o) of element (b, j) sits at b*4H + k*H + j.
//
// Thread mapping: one thread per (b, j) element, idx = b*H + j, idx in [0, B*H). The launch uses
// blocks of 256 threads and ceil(B*H / 256) blocks, so the last block may run past the end:
// every kernel starts with the bounds check `if (idx >= B*H) return;`.
//
// Types: the math is written once as a template over T; extern "C" kernels at the bottom give it
// fixed names for float32 (..._float) and float64 (..._double).

template <typename T>
__host__ __device__ inline T sigmoid(T a) { return T(0.5) * (T(1) + tanh(T(0.5) * a)); }


// -- forward -------------------------------------------------------------------------------------

// The math for one element (b, j). A __host__ __device__ function, so the tests can also run it on
// the CPU (tests/test_kernels.py builds a small host library with nvcc when there is no GPU).
template <typename T>
__host__ __device__ inline void lstm_forward_element(
    int idx, int H,
    const T* xw, const T* hh, const T* c_prev,     // inputs:  (B, 4H), (B, 4H), (B, H)
    T* h, T* c, T* gates, T* tanh_c)               // outputs: (B, H), (B, H), (B, 4H), (B, H)
{
    int b = idx / H, j = idx % H;
    int row = b * 4 * H + j;                       // gate i of (b, j); f, g, o follow at +H, +2H, +3H

    T i = sigmoid(xw[row]         + hh[row]);
    T f = sigmoid(xw[row + H]     + hh[row + H]);
    T g = tanh(   xw[row + 2 * H] + hh[row + 2 * H]);
    T o = sigmoid(xw[row + 3 * H] + hh[row + 3 * H]);

    T c_new = f * c_prev[idx] + i * g;
    T tc = tanh(c_new);

    gates[row] = i;  gates[row + H] = f;  gates[row + 2 * H] = g;  gates[row + 3 * H] = o;
    c[idx] = c_new;
    tanh_c[idx] = tc;
    h[idx] = o * tc;
}

template <typename T>
__device__ inline void lstm_forward_kernel(
    int B, int H, const T* xw, const T* hh, const T* c_prev, T* h, T* c, T* gates, T* tanh_c)
{
    int idx = blockIdx.x * blockDim.x + threadIdx.x;      // one thread per (b, j)
    if (idx >= B * H) return;                             // the last block runs past the end
    lstm_forward_element(idx, H, xw, hh, c_prev, h, c, gates, tanh_c);
}


// -- backward ------------------------------------------------------------------------------------

template <typename T>
__host__ __device__ inline void lstm_backward_element(
    int idx, int H,
    const T* dh, const T* dc, const T* c_prev,     // inputs:  (B, H) each
    const T* gates, const T* tanh_c,               //          (B, 4H), (B, H)
    T* da, T* dc_prev)                             // outputs: (B, 4H), (B, H)
{
    int b = idx / H, j = idx % H;
    int row = b * 4 * H + j;

    T i = gates[row], f = gates[row + H], g = gates[row + 2 * H], o = gates[row + 3 * H];
    T tc = tanh_c[idx];
    T dh_ = dh[idx];

    T dc_total = dc[idx] + dh_ * o * (T(1) - tc * tc);   // backprop through h = o*tanh(c), to c
    T do_ = dh_ * tc;                                     // ... and to o
    T di = dc_total * g;                                  // backprop through c = f*c_prev + i*g
    T df = dc_total * c_prev[idx];
    T dg = dc_total * i;

    da[row]         = di * i * (T(1) - i);                // backprop through sigmoid: s(1 - s)
    da[row + H]     = df * f * (T(1) - f);
    da[row + 2 * H] = dg * (T(1) - g * g);                // backprop through tanh: 1 - g^2
    da[row + 3 * H] = do_ * o * (T(1) - o);
    dc_prev[idx] = dc_total * f;
}

template <typename T>
__device__ inline void lstm_backward_kernel(
    int B, int H, const T* dh, const T* dc, const T* c_prev, const T* gates, const T* tanh_c,
    T* da, T* dc_prev)
{
    int idx = blockIdx.x * blockDim.x + threadIdx.x;      // one thread per (b, j)
    if (idx >= B * H) return;
    lstm_backward_element(idx, H, dh, dc, c_prev, gates, tanh_c, da, dc_prev);
}


// -- the kernels minirnn/fused.py launches, by name ----------------------------------------------

extern "C" __global__ void lstm_cell_forward_float(
    int B, int H, const float* xw, const float* hh, const float* c_prev,
    float* h, float* c, float* gates, float* tanh_c)
{ lstm_forward_kernel<float>(B, H, xw, hh, c_prev, h, c, gates, tanh_c); }

extern "C" __global__ void lstm_cell_forward_double(
    int B, int H, const double* xw, const double* hh, const double* c_prev,
    double* h, double* c, double* gates, double* tanh_c)
{ lstm_forward_kernel<double>(B, H, xw, hh, c_prev, h, c, gates, tanh_c); }

extern "C" __global__ void lstm_cell_backward_float(
    int B, int H, const float* dh, const float* dc, const float* c_prev, const float* gates,
    const float* tanh_c, float* da, float* dc_prev)
{ lstm_backward_kernel<float>(B, H, dh, dc, c_prev, gates, tanh_c, da, dc_prev); }

extern "C" __global__ void lstm_cell_backward_double(
    int B, int H, const double* dh, const double* dc, const double* c_prev, const double* gates,
    const double* tanh_c, double* da, double* dc_prev)
{ lstm_backward_kernel<double>(B, H, dh, dc, c_prev, gates, tanh_c, da, dc_prev); }
