"""The instruction table: mnemonic, binary opcode, immediate kind, proposal.

One table serves the decoder, the encoder, the text parser and the validator.
Immediate kinds and the shape of `Instr.imm` for each:

  none        None
  block       blocktype: None (empty) | ValType (single result) | int (type index)
  try_table   (blocktype, tuple[Catch, ...])
  label       int (relative depth)
  br_table    (tuple[int, ...] targets, int default)
  func        int function index
  call_ind    (type index, table index)          -- binary order
  type        int type index (call_ref, return_call_ref)
  local global table mem data elem tag            int index
  memarg      MemArg(align log2, offset, memory index)
  i32 i64     int, the unsigned bit pattern (0 <= v < 2**N)
  f32 f64     int, the IEEE bit pattern (NaN payloads survive)
  heap        heap type of ref.null (str | int)
  select_t    tuple[ValType, ...] (typed select)
  table2      (dst table, src table)             -- binary order
  mem2        (dst memory, src memory)           -- binary order
  table_init  (elem index, table index)          -- binary order (text writes table first)
  mem_init    (data index, memory index)         -- binary order
  lane        int lane index (one byte in the binary format)
  memarg_lane (MemArg, lane index)
  v128        int, the 128-bit value: lane 0 in the low bits (little-endian lanes)
  shuffle     tuple of 16 lane indices (one byte each)
  unimplemented  an opcode of a proposal Heron does not implement (its `proposal` column names
              it): decoder and text parser report Unsupported(proposal) when they meet it

Prefixed opcodes are written `0xfc:N` and `0xfd:N` (the sub-opcode is a u32 LEB128 after
the prefix byte): 0xFC for saturating truncation and bulk memory/table operations, 0xFD for
fixed-width SIMD (`simd`) and relaxed SIMD (`relaxed-simd`, sub-opcodes 0x100 and up).
"""
from __future__ import annotations

import re

# prefix (None or 0xFC), code, mnemonic, immediate kind, proposal (None: Wasm 1.0/2.0 core)
_TABLE = """
0x00 unreachable none
0x01 nop none
0x02 block block
0x03 loop block
0x04 if block
0x05 else none
0x06 try block legacy-exceptions
0x07 catch tag legacy-exceptions
0x08 throw tag exceptions
0x09 rethrow label legacy-exceptions
0x0a throw_ref none exceptions
0x0b end none
0x0c br label
0x0d br_if label
0x0e br_table br_table
0x0f return none
0x10 call func
0x11 call_indirect call_ind
0x12 return_call func tail-call
0x13 return_call_indirect call_ind tail-call
0x14 call_ref type function-references
0x15 return_call_ref type tail-call
0x18 delegate label legacy-exceptions
0x19 catch_all none legacy-exceptions
0x1a drop none
0x1b select none
0x1c select select_t
0x1f try_table try_table exceptions
0x20 local.get local
0x21 local.set local
0x22 local.tee local
0x23 global.get global
0x24 global.set global
0x25 table.get table
0x26 table.set table
0x28 i32.load memarg
0x29 i64.load memarg
0x2a f32.load memarg
0x2b f64.load memarg
0x2c i32.load8_s memarg
0x2d i32.load8_u memarg
0x2e i32.load16_s memarg
0x2f i32.load16_u memarg
0x30 i64.load8_s memarg
0x31 i64.load8_u memarg
0x32 i64.load16_s memarg
0x33 i64.load16_u memarg
0x34 i64.load32_s memarg
0x35 i64.load32_u memarg
0x36 i32.store memarg
0x37 i64.store memarg
0x38 f32.store memarg
0x39 f64.store memarg
0x3a i32.store8 memarg
0x3b i32.store16 memarg
0x3c i64.store8 memarg
0x3d i64.store16 memarg
0x3e i64.store32 memarg
0x3f memory.size mem
0x40 memory.grow mem
0x41 i32.const i32
0x42 i64.const i64
0x43 f32.const f32
0x44 f64.const f64
0x45 i32.eqz none
0x46 i32.eq none
0x47 i32.ne none
0x48 i32.lt_s none
0x49 i32.lt_u none
0x4a i32.gt_s none
0x4b i32.gt_u none
0x4c i32.le_s none
0x4d i32.le_u none
0x4e i32.ge_s none
0x4f i32.ge_u none
0x50 i64.eqz none
0x51 i64.eq none
0x52 i64.ne none
0x53 i64.lt_s none
0x54 i64.lt_u none
0x55 i64.gt_s none
0x56 i64.gt_u none
0x57 i64.le_s none
0x58 i64.le_u none
0x59 i64.ge_s none
0x5a i64.ge_u none
0x5b f32.eq none
0x5c f32.ne none
0x5d f32.lt none
0x5e f32.gt none
0x5f f32.le none
0x60 f32.ge none
0x61 f64.eq none
0x62 f64.ne none
0x63 f64.lt none
0x64 f64.gt none
0x65 f64.le none
0x66 f64.ge none
0x67 i32.clz none
0x68 i32.ctz none
0x69 i32.popcnt none
0x6a i32.add none
0x6b i32.sub none
0x6c i32.mul none
0x6d i32.div_s none
0x6e i32.div_u none
0x6f i32.rem_s none
0x70 i32.rem_u none
0x71 i32.and none
0x72 i32.or none
0x73 i32.xor none
0x74 i32.shl none
0x75 i32.shr_s none
0x76 i32.shr_u none
0x77 i32.rotl none
0x78 i32.rotr none
0x79 i64.clz none
0x7a i64.ctz none
0x7b i64.popcnt none
0x7c i64.add none
0x7d i64.sub none
0x7e i64.mul none
0x7f i64.div_s none
0x80 i64.div_u none
0x81 i64.rem_s none
0x82 i64.rem_u none
0x83 i64.and none
0x84 i64.or none
0x85 i64.xor none
0x86 i64.shl none
0x87 i64.shr_s none
0x88 i64.shr_u none
0x89 i64.rotl none
0x8a i64.rotr none
0x8b f32.abs none
0x8c f32.neg none
0x8d f32.ceil none
0x8e f32.floor none
0x8f f32.trunc none
0x90 f32.nearest none
0x91 f32.sqrt none
0x92 f32.add none
0x93 f32.sub none
0x94 f32.mul none
0x95 f32.div none
0x96 f32.min none
0x97 f32.max none
0x98 f32.copysign none
0x99 f64.abs none
0x9a f64.neg none
0x9b f64.ceil none
0x9c f64.floor none
0x9d f64.trunc none
0x9e f64.nearest none
0x9f f64.sqrt none
0xa0 f64.add none
0xa1 f64.sub none
0xa2 f64.mul none
0xa3 f64.div none
0xa4 f64.min none
0xa5 f64.max none
0xa6 f64.copysign none
0xa7 i32.wrap_i64 none
0xa8 i32.trunc_f32_s none
0xa9 i32.trunc_f32_u none
0xaa i32.trunc_f64_s none
0xab i32.trunc_f64_u none
0xac i64.extend_i32_s none
0xad i64.extend_i32_u none
0xae i64.trunc_f32_s none
0xaf i64.trunc_f32_u none
0xb0 i64.trunc_f64_s none
0xb1 i64.trunc_f64_u none
0xb2 f32.convert_i32_s none
0xb3 f32.convert_i32_u none
0xb4 f32.convert_i64_s none
0xb5 f32.convert_i64_u none
0xb6 f32.demote_f64 none
0xb7 f64.convert_i32_s none
0xb8 f64.convert_i32_u none
0xb9 f64.convert_i64_s none
0xba f64.convert_i64_u none
0xbb f64.promote_f32 none
0xbc i32.reinterpret_f32 none
0xbd i64.reinterpret_f64 none
0xbe f32.reinterpret_i32 none
0xbf f64.reinterpret_i64 none
0xc0 i32.extend8_s none
0xc1 i32.extend16_s none
0xc2 i64.extend8_s none
0xc3 i64.extend16_s none
0xc4 i64.extend32_s none
0xd0 ref.null heap
0xd1 ref.is_null none
0xd2 ref.func func
0xd3 ref.eq none gc
0xd4 ref.as_non_null none function-references
0xd5 br_on_null label function-references
0xd6 br_on_non_null label function-references
0xe0 cont.new unimplemented stack-switching
0xe1 cont.bind unimplemented stack-switching
0xe2 suspend unimplemented stack-switching
0xe3 resume unimplemented stack-switching
0xe4 resume_throw unimplemented stack-switching
0xe5 resume_throw_ref unimplemented stack-switching
0xe6 switch unimplemented stack-switching
0xfc:0 i32.trunc_sat_f32_s none
0xfc:1 i32.trunc_sat_f32_u none
0xfc:2 i32.trunc_sat_f64_s none
0xfc:3 i32.trunc_sat_f64_u none
0xfc:4 i64.trunc_sat_f32_s none
0xfc:5 i64.trunc_sat_f32_u none
0xfc:6 i64.trunc_sat_f64_s none
0xfc:7 i64.trunc_sat_f64_u none
0xfc:8 memory.init mem_init
0xfc:9 data.drop data
0xfc:10 memory.copy mem2
0xfc:11 memory.fill mem
0xfc:12 table.init table_init
0xfc:13 elem.drop elem
0xfc:14 table.copy table2
0xfc:15 table.grow table
0xfc:16 table.size table
0xfc:17 table.fill table
0xfc:19 i64.add128 unimplemented wide-arithmetic
0xfc:20 i64.sub128 unimplemented wide-arithmetic
0xfc:21 i64.mul_wide_s unimplemented wide-arithmetic
0xfc:22 i64.mul_wide_u unimplemented wide-arithmetic
0xfd:0 v128.load memarg simd
0xfd:1 v128.load8x8_s memarg simd
0xfd:2 v128.load8x8_u memarg simd
0xfd:3 v128.load16x4_s memarg simd
0xfd:4 v128.load16x4_u memarg simd
0xfd:5 v128.load32x2_s memarg simd
0xfd:6 v128.load32x2_u memarg simd
0xfd:7 v128.load8_splat memarg simd
0xfd:8 v128.load16_splat memarg simd
0xfd:9 v128.load32_splat memarg simd
0xfd:10 v128.load64_splat memarg simd
0xfd:11 v128.store memarg simd
0xfd:12 v128.const v128 simd
0xfd:13 i8x16.shuffle shuffle simd
0xfd:14 i8x16.swizzle none simd
0xfd:15 i8x16.splat none simd
0xfd:16 i16x8.splat none simd
0xfd:17 i32x4.splat none simd
0xfd:18 i64x2.splat none simd
0xfd:19 f32x4.splat none simd
0xfd:20 f64x2.splat none simd
0xfd:21 i8x16.extract_lane_s lane simd
0xfd:22 i8x16.extract_lane_u lane simd
0xfd:23 i8x16.replace_lane lane simd
0xfd:24 i16x8.extract_lane_s lane simd
0xfd:25 i16x8.extract_lane_u lane simd
0xfd:26 i16x8.replace_lane lane simd
0xfd:27 i32x4.extract_lane lane simd
0xfd:28 i32x4.replace_lane lane simd
0xfd:29 i64x2.extract_lane lane simd
0xfd:30 i64x2.replace_lane lane simd
0xfd:31 f32x4.extract_lane lane simd
0xfd:32 f32x4.replace_lane lane simd
0xfd:33 f64x2.extract_lane lane simd
0xfd:34 f64x2.replace_lane lane simd
0xfd:35 i8x16.eq none simd
0xfd:36 i8x16.ne none simd
0xfd:37 i8x16.lt_s none simd
0xfd:38 i8x16.lt_u none simd
0xfd:39 i8x16.gt_s none simd
0xfd:40 i8x16.gt_u none simd
0xfd:41 i8x16.le_s none simd
0xfd:42 i8x16.le_u none simd
0xfd:43 i8x16.ge_s none simd
0xfd:44 i8x16.ge_u none simd
0xfd:45 i16x8.eq none simd
0xfd:46 i16x8.ne none simd
0xfd:47 i16x8.lt_s none simd
0xfd:48 i16x8.lt_u none simd
0xfd:49 i16x8.gt_s none simd
0xfd:50 i16x8.gt_u none simd
0xfd:51 i16x8.le_s none simd
0xfd:52 i16x8.le_u none simd
0xfd:53 i16x8.ge_s none simd
0xfd:54 i16x8.ge_u none simd
0xfd:55 i32x4.eq none simd
0xfd:56 i32x4.ne none simd
0xfd:57 i32x4.lt_s none simd
0xfd:58 i32x4.lt_u none simd
0xfd:59 i32x4.gt_s none simd
0xfd:60 i32x4.gt_u none simd
0xfd:61 i32x4.le_s none simd
0xfd:62 i32x4.le_u none simd
0xfd:63 i32x4.ge_s none simd
0xfd:64 i32x4.ge_u none simd
0xfd:65 f32x4.eq none simd
0xfd:66 f32x4.ne none simd
0xfd:67 f32x4.lt none simd
0xfd:68 f32x4.gt none simd
0xfd:69 f32x4.le none simd
0xfd:70 f32x4.ge none simd
0xfd:71 f64x2.eq none simd
0xfd:72 f64x2.ne none simd
0xfd:73 f64x2.lt none simd
0xfd:74 f64x2.gt none simd
0xfd:75 f64x2.le none simd
0xfd:76 f64x2.ge none simd
0xfd:77 v128.not none simd
0xfd:78 v128.and none simd
0xfd:79 v128.andnot none simd
0xfd:80 v128.or none simd
0xfd:81 v128.xor none simd
0xfd:82 v128.bitselect none simd
0xfd:83 v128.any_true none simd
0xfd:84 v128.load8_lane memarg_lane simd
0xfd:85 v128.load16_lane memarg_lane simd
0xfd:86 v128.load32_lane memarg_lane simd
0xfd:87 v128.load64_lane memarg_lane simd
0xfd:88 v128.store8_lane memarg_lane simd
0xfd:89 v128.store16_lane memarg_lane simd
0xfd:90 v128.store32_lane memarg_lane simd
0xfd:91 v128.store64_lane memarg_lane simd
0xfd:92 v128.load32_zero memarg simd
0xfd:93 v128.load64_zero memarg simd
0xfd:94 f32x4.demote_f64x2_zero none simd
0xfd:95 f64x2.promote_low_f32x4 none simd
0xfd:96 i8x16.abs none simd
0xfd:97 i8x16.neg none simd
0xfd:98 i8x16.popcnt none simd
0xfd:99 i8x16.all_true none simd
0xfd:100 i8x16.bitmask none simd
0xfd:101 i8x16.narrow_i16x8_s none simd
0xfd:102 i8x16.narrow_i16x8_u none simd
0xfd:103 f32x4.ceil none simd
0xfd:104 f32x4.floor none simd
0xfd:105 f32x4.trunc none simd
0xfd:106 f32x4.nearest none simd
0xfd:107 i8x16.shl none simd
0xfd:108 i8x16.shr_s none simd
0xfd:109 i8x16.shr_u none simd
0xfd:110 i8x16.add none simd
0xfd:111 i8x16.add_sat_s none simd
0xfd:112 i8x16.add_sat_u none simd
0xfd:113 i8x16.sub none simd
0xfd:114 i8x16.sub_sat_s none simd
0xfd:115 i8x16.sub_sat_u none simd
0xfd:116 f64x2.ceil none simd
0xfd:117 f64x2.floor none simd
0xfd:118 i8x16.min_s none simd
0xfd:119 i8x16.min_u none simd
0xfd:120 i8x16.max_s none simd
0xfd:121 i8x16.max_u none simd
0xfd:122 f64x2.trunc none simd
0xfd:123 i8x16.avgr_u none simd
0xfd:124 i16x8.extadd_pairwise_i8x16_s none simd
0xfd:125 i16x8.extadd_pairwise_i8x16_u none simd
0xfd:126 i32x4.extadd_pairwise_i16x8_s none simd
0xfd:127 i32x4.extadd_pairwise_i16x8_u none simd
0xfd:128 i16x8.abs none simd
0xfd:129 i16x8.neg none simd
0xfd:130 i16x8.q15mulr_sat_s none simd
0xfd:131 i16x8.all_true none simd
0xfd:132 i16x8.bitmask none simd
0xfd:133 i16x8.narrow_i32x4_s none simd
0xfd:134 i16x8.narrow_i32x4_u none simd
0xfd:135 i16x8.extend_low_i8x16_s none simd
0xfd:136 i16x8.extend_high_i8x16_s none simd
0xfd:137 i16x8.extend_low_i8x16_u none simd
0xfd:138 i16x8.extend_high_i8x16_u none simd
0xfd:139 i16x8.shl none simd
0xfd:140 i16x8.shr_s none simd
0xfd:141 i16x8.shr_u none simd
0xfd:142 i16x8.add none simd
0xfd:143 i16x8.add_sat_s none simd
0xfd:144 i16x8.add_sat_u none simd
0xfd:145 i16x8.sub none simd
0xfd:146 i16x8.sub_sat_s none simd
0xfd:147 i16x8.sub_sat_u none simd
0xfd:148 f64x2.nearest none simd
0xfd:149 i16x8.mul none simd
0xfd:150 i16x8.min_s none simd
0xfd:151 i16x8.min_u none simd
0xfd:152 i16x8.max_s none simd
0xfd:153 i16x8.max_u none simd
0xfd:155 i16x8.avgr_u none simd
0xfd:156 i16x8.extmul_low_i8x16_s none simd
0xfd:157 i16x8.extmul_high_i8x16_s none simd
0xfd:158 i16x8.extmul_low_i8x16_u none simd
0xfd:159 i16x8.extmul_high_i8x16_u none simd
0xfd:160 i32x4.abs none simd
0xfd:161 i32x4.neg none simd
0xfd:163 i32x4.all_true none simd
0xfd:164 i32x4.bitmask none simd
0xfd:167 i32x4.extend_low_i16x8_s none simd
0xfd:168 i32x4.extend_high_i16x8_s none simd
0xfd:169 i32x4.extend_low_i16x8_u none simd
0xfd:170 i32x4.extend_high_i16x8_u none simd
0xfd:171 i32x4.shl none simd
0xfd:172 i32x4.shr_s none simd
0xfd:173 i32x4.shr_u none simd
0xfd:174 i32x4.add none simd
0xfd:177 i32x4.sub none simd
0xfd:181 i32x4.mul none simd
0xfd:182 i32x4.min_s none simd
0xfd:183 i32x4.min_u none simd
0xfd:184 i32x4.max_s none simd
0xfd:185 i32x4.max_u none simd
0xfd:186 i32x4.dot_i16x8_s none simd
0xfd:188 i32x4.extmul_low_i16x8_s none simd
0xfd:189 i32x4.extmul_high_i16x8_s none simd
0xfd:190 i32x4.extmul_low_i16x8_u none simd
0xfd:191 i32x4.extmul_high_i16x8_u none simd
0xfd:192 i64x2.abs none simd
0xfd:193 i64x2.neg none simd
0xfd:195 i64x2.all_true none simd
0xfd:196 i64x2.bitmask none simd
0xfd:199 i64x2.extend_low_i32x4_s none simd
0xfd:200 i64x2.extend_high_i32x4_s none simd
0xfd:201 i64x2.extend_low_i32x4_u none simd
0xfd:202 i64x2.extend_high_i32x4_u none simd
0xfd:203 i64x2.shl none simd
0xfd:204 i64x2.shr_s none simd
0xfd:205 i64x2.shr_u none simd
0xfd:206 i64x2.add none simd
0xfd:209 i64x2.sub none simd
0xfd:213 i64x2.mul none simd
0xfd:214 i64x2.eq none simd
0xfd:215 i64x2.ne none simd
0xfd:216 i64x2.lt_s none simd
0xfd:217 i64x2.gt_s none simd
0xfd:218 i64x2.le_s none simd
0xfd:219 i64x2.ge_s none simd
0xfd:220 i64x2.extmul_low_i32x4_s none simd
0xfd:221 i64x2.extmul_high_i32x4_s none simd
0xfd:222 i64x2.extmul_low_i32x4_u none simd
0xfd:223 i64x2.extmul_high_i32x4_u none simd
0xfd:224 f32x4.abs none simd
0xfd:225 f32x4.neg none simd
0xfd:227 f32x4.sqrt none simd
0xfd:228 f32x4.add none simd
0xfd:229 f32x4.sub none simd
0xfd:230 f32x4.mul none simd
0xfd:231 f32x4.div none simd
0xfd:232 f32x4.min none simd
0xfd:233 f32x4.max none simd
0xfd:234 f32x4.pmin none simd
0xfd:235 f32x4.pmax none simd
0xfd:236 f64x2.abs none simd
0xfd:237 f64x2.neg none simd
0xfd:239 f64x2.sqrt none simd
0xfd:240 f64x2.add none simd
0xfd:241 f64x2.sub none simd
0xfd:242 f64x2.mul none simd
0xfd:243 f64x2.div none simd
0xfd:244 f64x2.min none simd
0xfd:245 f64x2.max none simd
0xfd:246 f64x2.pmin none simd
0xfd:247 f64x2.pmax none simd
0xfd:248 i32x4.trunc_sat_f32x4_s none simd
0xfd:249 i32x4.trunc_sat_f32x4_u none simd
0xfd:250 f32x4.convert_i32x4_s none simd
0xfd:251 f32x4.convert_i32x4_u none simd
0xfd:252 i32x4.trunc_sat_f64x2_s_zero none simd
0xfd:253 i32x4.trunc_sat_f64x2_u_zero none simd
0xfd:254 f64x2.convert_low_i32x4_s none simd
0xfd:255 f64x2.convert_low_i32x4_u none simd
0xfd:256 i8x16.relaxed_swizzle none relaxed-simd
0xfd:257 i32x4.relaxed_trunc_f32x4_s none relaxed-simd
0xfd:258 i32x4.relaxed_trunc_f32x4_u none relaxed-simd
0xfd:259 i32x4.relaxed_trunc_f64x2_s_zero none relaxed-simd
0xfd:260 i32x4.relaxed_trunc_f64x2_u_zero none relaxed-simd
0xfd:261 f32x4.relaxed_madd none relaxed-simd
0xfd:262 f32x4.relaxed_nmadd none relaxed-simd
0xfd:263 f64x2.relaxed_madd none relaxed-simd
0xfd:264 f64x2.relaxed_nmadd none relaxed-simd
0xfd:265 i8x16.relaxed_laneselect none relaxed-simd
0xfd:266 i16x8.relaxed_laneselect none relaxed-simd
0xfd:267 i32x4.relaxed_laneselect none relaxed-simd
0xfd:268 i64x2.relaxed_laneselect none relaxed-simd
0xfd:269 f32x4.relaxed_min none relaxed-simd
0xfd:270 f32x4.relaxed_max none relaxed-simd
0xfd:271 f64x2.relaxed_min none relaxed-simd
0xfd:272 f64x2.relaxed_max none relaxed-simd
0xfd:273 i16x8.relaxed_q15mulr_s none relaxed-simd
0xfd:274 i16x8.relaxed_dot_i8x16_i7x16_s none relaxed-simd
0xfd:275 i32x4.relaxed_dot_i8x16_i7x16_add_s none relaxed-simd
"""


class OpInfo:
    __slots__ = ("name", "prefix", "code", "imm", "feature")

    def __init__(self, name: str, prefix: int | None, code: int, imm: str, feature: str | None):
        self.name, self.prefix, self.code, self.imm, self.feature = name, prefix, code, imm, feature

    def __repr__(self) -> str:
        return f"OpInfo({self.name!r}, {self.prefix!r}, {self.code:#x}, {self.imm!r}, {self.feature!r})"


BY_NAME: dict[str, OpInfo] = {}
BY_CODE: dict[int, OpInfo] = {}        # single-byte opcodes
BY_FC: dict[int, OpInfo] = {}          # 0xFC-prefixed, by sub-opcode
BY_FD: dict[int, OpInfo] = {}          # 0xFD-prefixed (SIMD), by sub-opcode
BY_PREFIX: dict[int, dict[int, OpInfo]] = {0xFC: BY_FC, 0xFD: BY_FD}

# Rows of proposals Heron does not implement stay out of BY_CODE/BY_PREFIX/BY_NAME (nothing
# decodes, validates or compiles them): their code and mnemonic only name the proposal.
UNIMPLEMENTED_OPS: dict[int | tuple[int, int], str] = {}   # code or (prefix, sub) -> proposal
UNIMPLEMENTED_NAMES: dict[str, str] = {}                    # mnemonic -> proposal

for _line in _TABLE.strip().splitlines():
    _code, _name, _imm, *_feat = _line.split()
    _feature = _feat[0] if _feat else None
    if ":" in _code:
        _prefix, _, _sub = _code.partition(":")
        _info = OpInfo(_name, int(_prefix, 16), int(_sub), _imm, _feature)
    else:
        _info = OpInfo(_name, None, int(_code, 16), _imm, _feature)
    if _imm == "unimplemented":
        UNIMPLEMENTED_OPS[_info.code if _info.prefix is None else (_info.prefix, _info.code)] = _feature
        UNIMPLEMENTED_NAMES[_name] = _feature
        continue
    if _info.prefix is None:
        BY_CODE[_info.code] = _info
    else:
        BY_PREFIX[_info.prefix][_info.code] = _info
    # 'select' appears twice (untyped 0x1b, typed 0x1c); BY_NAME keeps the untyped one,
    # the typed form is Instr('select', tuple_of_types).
    BY_NAME.setdefault(_name, _info)

SELECT_TYPED = BY_CODE[0x1C]

# Prefixes Heron decodes only to report the proposal it does not implement.
UNSUPPORTED_PREFIXES = {0xFB: "gc", 0xFE: "threads"}

# Catch clause kinds of try_table, by binary code.
CATCH_KINDS = ("catch", "catch_ref", "catch_all", "catch_all_ref")


def _natural_size(name: str) -> int:
    """Bytes a memory instruction moves (its natural alignment), from its mnemonic:
    i64.load32_u -> 4, f64.store -> 8, v128.load -> 16, v128.load16x4_s -> 8 (four 16-bit
    lanes), v128.load32_splat / _zero / _lane -> 4."""
    ty, _, op = name.partition(".")
    m = re.match(r"(?:load|store)(\d+)?(?:x(\d+))?", op)
    bits, lanes = m.group(1), m.group(2)
    if bits is None:
        return 16 if ty == "v128" else int(ty[1:]) // 8
    return int(bits) * int(lanes or 1) // 8


# Natural alignment (in bytes) of every instruction with a memarg: text defaults, validation.
NATURAL_SIZE: dict[str, int] = {name: _natural_size(name) for name, info in BY_NAME.items()
                                if info.imm in ("memarg", "memarg_lane")}
