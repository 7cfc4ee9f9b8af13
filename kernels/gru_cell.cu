// The GRU cell's element-wise math (PyTorch's / cuDNN's form), forward and backward.
//
// These kernels replace exactly gru_cell_forward / gru_cell_backward in minirnn/gru.py on the
// CuPy backend (minirnn/fused.py launches them). The matrix products stay with cuBLAS.
//
// Forward, for one step (blocks in PyTorch's order r, z, n):
//     xw = x W_x + b (B, 3H);  hh = h_prev W_h (B, 3H), no bias;  bhn (H,)
//     r = sigmoid(xw_r + hh_r)
//     z = sigmoid(xw_z + hh_z)
//     hn = hh_n + bhn                                     (B, H)
//     n = tanh(xw_n + r*hn)
//     h = (1-z)*n + z*h_prev
//     gates = [r, z, n]                                   (B, 3H)
//
// Backward, for one step:
//     dn = dh*(1-z);  dz = dh*(h_prev - n);  dan = dn*(1 - n^2);  dr = dan*hn
//     dxw = [dr*r(1-r), dz*z(1-z), dan]                   (B, 3H)
//     dhh = [dr*r(1-r), dz*z(1-z), dan*r]                 (B, 3H)
//     dh_prev_direct = dh*z                               (B, H)
// (the caller adds dhh @ W_h^T and the mask pass-through to dh_prev_direct).
//
// sigmoid(a) is computed as 0.5*(1 + tanh(a/2)), as in minirnn/activations.py: it never overflows.
//
// Memory layout: every array is C-contiguous (row-major). A (B, H) array holds element (b, j) at
// b*H + j; bhn (H,) holds j at j. A (B, 3H) array holds the three blocks side by side in each row:
//     row b:  [ r_0 .. r_{H-1} | z_0 .. z_{H-1} | n_0 .. n_{H-1} ]
// so block k (k = 0, 1, 2 for r, z, n) of element (b, j) sits at b*3H + k*H + j.
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

// The math for one element (b, j). __host__ __device__, so the tests can also run it on the CPU.
template <typename T>
__host__ __device__ inline void gru_forward_element(
    int idx, int H,
    const T* xw, const T* hh, const T* bhn, const T* h_prev,   // inputs:  (B, 3H), (B, 3H), (H,), (B, H)
    T* h, T* gates, T* hn)                                     // outputs: (B, H), (B, 3H), (B, H)
{
    int b = idx / H, j = idx % H;
    int row = b * 3 * H + j;                       // block r of (b, j); z and n follow at +H, +2H

    T r = sigmoid(xw[row]     + hh[row]);
    T z = sigmoid(xw[row + H] + hh[row + H]);
    T hn_ = hh[row + 2 * H] + bhn[j];              // h_prev W_hn + b_hn
    T n = tanh(xw[row + 2 * H] + r * hn_);

    gates[row] = r;  gates[row + H] = z;  gates[row + 2 * H] = n;
    hn[idx] = hn_;
    h[idx] = (T(1) - z) * n + z * h_prev[idx];
}

template <typename T>
__device__ inline void gru_forward_kernel(
    int B, int H, const T* xw, const T* hh, const T* bhn, const T* h_prev, T* h, T* gates, T* hn)
{
    int idx = blockIdx.x * blockDim.x + threadIdx.x;      // one thread per (b, j)
    if (idx >= B * H) return;                             // the last block runs past the end
    gru_forward_element(idx, H, xw, hh, bhn, h_prev, h, gates, hn);
}


// -- backward ------------------------------------------------------------------------------------

template <typename T>
__host__ __device__ inline void gru_backward_element(
    int idx, int H,
    const T* dh, const T* h_prev, const T* gates, const T* hn,   // inputs:  (B, H), (B, H), (B, 3H), (B, H)
    T* dxw, T* dhh, T* dh_prev_direct)                           // outputs: (B, 3H), (B, 3H), (B, H)
{
    int b = idx / H, j = idx % H;
    int row = b * 3 * H + j;

    T r = gates[row], z = gates[row + H], n = gates[row + 2 * H];
    T dh_ = dh[idx];

    T dn = dh_ * (T(1) - z);                       // backprop through h = (1-z)*n + z*h_prev
    T dz = dh_ * (h_prev[idx] - n);
    T dan = dn * (T(1) - n * n);                   // backprop through tanh: 1 - n^2
    T dr = dan * hn[idx];                         // backprop through r*hn, to r
    T dar = dr * r * (T(1) - r);                   // backprop through sigmoid: s(1 - s)
    T daz = dz * z * (T(1) - z);

    dxw[row] = dar;  dxw[row + H] = daz;  dxw[row + 2 * H] = dan;
    dhh[row] = dar;  dhh[row + H] = daz;  dhh[row + 2 * H] = dan * r;   // n sees h only through r*hn
    dh_prev_direct[idx] = dh_ * z;
}

template <typename T>
__device__ inline void gru_backward_kernel(
    int B, int H, const T* dh, const T* h_prev, const T* gates, const T* hn,
    T* dxw, T* dhh, T* dh_prev_direct)
{
    int idx = blockIdx.x * blockDim.x + threadIdx.x;      // one thread per (b, j)
    if (idx >= B * H) return;
    gru_backward_element(idx, H, dh, h_prev, gates, hn, dxw, dhh, dh_prev_direct);
}


// -- the kernels minirnn/fused.py launches, by name ----------------------------------------------

extern "C" __global__ void gru_cell_forward_float(
    int B, int H, const float* xw, const float* hh, const float* bhn, const float* h_prev,
    float* h, float* gates, float* hn)
{ gru_forward_kernel<float>(B, H, xw, hh, bhn, h_prev, h, gates, hn); }

extern "C" __global__ void gru_cell_forward_double(
    int B, int H, const double* xw, const double* hh, const double* bhn, const double* h_prev,
    double* h, double* gates, double* hn)
{ gru_forward_kernel<double>(B, H, xw, hh, bhn, h_prev, h, gates, hn); }

extern "C" __global__ void gru_cell_backward_float(
    int B, int H, const float* dh, const float* h_prev, const float* gates, const float* hn,
    float* dxw, float* dhh, float* dh_prev_direct)
{ gru_backward_kernel<float>(B, H, dh, h_prev, gates, hn, dxw, dhh, dh_prev_direct); }

extern "C" __global__ void gru_cell_backward_double(
    int B, int H, const double* dh, const double* h_prev, const double* gates, const double* hn,
    double* dxw, double* dhh, double* dh_prev_direct)
{ gru_backward_kernel<double>(B, H, dh, h_prev, gates, hn, dxw, dhh, dh_prev_direct); }
