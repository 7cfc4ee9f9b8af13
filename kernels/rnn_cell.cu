// The simple RNN cell's element-wise math (tanh nonlinearity), forward and backward.
//
// These kernels replace exactly rnn_cell_forward / rnn_cell_backward in minirnn/rnn.py on the
// CuPy backend (minirnn/fused.py launches them). The matrix products stay with cuBLAS; the
// relu nonlinearity keeps its plain CuPy path.
//
// Forward, for one step:
//     h = tanh(xw + hh)                 xw = x_t W_x + b, hh = h_{t-1} W_h;  xw, hh, h: (B, H)
//
// Backward, for one step:
//     da = dh * (1 - h*h)               backprop through tanh;  dh, h, da: (B, H)
//
// Memory layout: every array is C-contiguous (row-major) (B, H): element (b, j) sits at b*H + j.
//
// Thread mapping: one thread per (b, j) element, idx = b*H + j, idx in [0, B*H). The launch uses
// blocks of 256 threads and ceil(B*H / 256) blocks, so the last block may run past the end:
// every kernel starts with the bounds check `if (idx >= B*H) return;`.
//
// Types: the math is written once as a template over T; extern "C" kernels at the bottom give it
// fixed names for float32 (..._float) and float64 (..._double).


// The math for one element (b, j). __host__ __device__, so the tests can also run it on the CPU.
template <typename T>
__host__ __device__ inline void rnn_forward_element(int idx, const T* xw, const T* hh, T* h)
{
    h[idx] = tanh(xw[idx] + hh[idx]);
}

template <typename T>
__host__ __device__ inline void rnn_backward_element(int idx, const T* dh, const T* h, T* da)
{
    T h_ = h[idx];
    da[idx] = dh[idx] * (T(1) - h_ * h_);                 // backprop through tanh: 1 - h^2
}


template <typename T>
__device__ inline void rnn_forward_kernel(int B, int H, const T* xw, const T* hh, T* h)
{
    int idx = blockIdx.x * blockDim.x + threadIdx.x;      // one thread per (b, j)
    if (idx >= B * H) return;                             // the last block runs past the end
    rnn_forward_element(idx, xw, hh, h);
}

template <typename T>
__device__ inline void rnn_backward_kernel(int B, int H, const T* dh, const T* h, T* da)
{
    int idx = blockIdx.x * blockDim.x + threadIdx.x;      // one thread per (b, j)
    if (idx >= B * H) return;
    rnn_backward_element(idx, dh, h, da);
}


// -- the kernels minirnn/fused.py launches, by name ----------------------------------------------

extern "C" __global__ void rnn_cell_forward_float(int B, int H, const float* xw, const float* hh, float* h)
{ rnn_forward_kernel<float>(B, H, xw, hh, h); }

extern "C" __global__ void rnn_cell_forward_double(int B, int H, const double* xw, const double* hh, double* h)
{ rnn_forward_kernel<double>(B, H, xw, hh, h); }

extern "C" __global__ void rnn_cell_backward_float(int B, int H, const float* dh, const float* h, float* da)
{ rnn_backward_kernel<float>(B, H, dh, h, da); }

extern "C" __global__ void rnn_cell_backward_double(int B, int H, const double* dh, const double* h, double* da)
{ rnn_backward_kernel<double>(B, H, dh, h, da); }
