// Shortest round-trip decimal of any finite double by Schubfach (R. Giulietti, "The Schubfach way
// to render doubles", 2020): the rounding interval of v is scaled by a power of ten chosen so that
// it holds one or two candidates of the length that matters, and each bound is computed as one
// 64 x 128-bit product rounded to odd, which keeps every comparison with an integer exact. Result:
// the shortest digits that read back as v, the closest to v among those, ties to even: what
// std::to_chars (Ryu) picks. Integer arithmetic only. The 617-entry table of 128-bit powers of ten
// lives in a class template, so a translation unit that never formats a double does not compile it.
#pragma once
#include <cstdint>

namespace sinkforge::inline v1::serialize::detail::shortest {

__extension__ typedef unsigned __int128 u128;

// g(k) = floor(10^-k * 2^(127 - floor(log2 10^-k))) + 1 for k = -324 .. 292, high and low halves
// (2^127 <= g < 2^128). Generated with exact rational arithmetic.
template <class = void>
struct pow10_128 {
  static constexpr int k_min = -324;
  static constexpr std::uint64_t g[617][2] = {
    {0x9e19db92b4e31ba9ull, 0x6c07a2c26a8346d2ull},  // 10^324
    {0xfcf62c1dee382c42ull, 0x46729e03dd9ed7b6ull},  // 10^323
    {0xca5e89b18b602368ull, 0x385bb19cb14bdfc5ull},  // 10^322
    {0xa1e53af46f801c53ull, 0x60495ae3c1097fd1ull},  // 10^321
    {0x81842f29f2cce375ull, 0xe6a1158300d46641ull},  // 10^320
    {0xcf39e50feae16befull, 0xd768226b34870a01ull},  // 10^319
    {0xa5c7ea73224deff3ull, 0x12b9b522906c0801ull},  // 10^318
    {0x849feec281d7f328ull, 0xdbc7c41ba6bcd334ull},  // 10^317
    {0xd433179d9c8cb841ull, 0x5fa60692a46151ecull},  // 10^316
    {0xa9c2794ae3a3c69aull, 0xb2eb3875504ddb23ull},  // 10^315
    {0x87cec76f1c830548ull, 0x8f2293910d0b15b6ull},  // 10^314
    {0xd94ad8b1c7380874ull, 0x18375281ae7822bdull},  // 10^313
    {0xadd57a27d29339f6ull, 0x79c5db9af1f9b564ull},  // 10^312
    {0x8b112e86420f6191ull, 0xfb04afaf27faf783ull},  // 10^311
    {0xde81e40a034bcf4full, 0xf8077f7ea65e58d2ull},  // 10^310
    {0xb201833b35d63f73ull, 0x2cd2cc6551e513dbull},  // 10^309
    {0x8e679c2f5e44ff8full, 0x570f09eaa7ea7649ull},  // 10^308
    {0xe3d8f9e563a198e5ull, 0x58180fddd97723a7ull},  // 10^307
    {0xb6472e511c81471dull, 0xe0133fe4adf8e953ull},  // 10^306
    {0x91d28b7416cdd27eull, 0x4cdc331d57fa5442ull},  // 10^305
    {0xe950df20247c83fdull, 0x47c6b82ef32a206aull},  // 10^304
    {0xbaa718e68396cffdull, 0xd30560258f54e6bbull},  // 10^303
    {0x95527a5202df0ccbull, 0x0f37801e0c43ebc9ull},  // 10^302
    {0xeeea5d5004981478ull, 0x1858ccfce06cac75ull},  // 10^301
    {0xbf21e44003acdd2cull, 0xe0470a63e6bd56c4ull},  // 10^300
    {0x98e7e9cccfbd7dbdull, 0x8038d51cb897789dull},  // 10^299
    {0xf4a642e14c6262c8ull, 0xcd27bb612758c0fbull},  // 10^298
    {0xc3b8358109e84f07ull, 0x0a862f80ec4700c9ull},  // 10^297
    {0x9c935e00d4b9d8d2ull, 0x6ed1bf9a569f33d4ull},  // 10^296
    {0xfa856334878fc150ull, 0xb14f98f6f0feb952ull},  // 10^295
    {0xc86ab5c39fa63440ull, 0x8dd9472bf3fefaa8ull},  // 10^294
    {0xa0555e361951c366ull, 0xd7e105bcc3326220ull},  // 10^293
    {0x80444b5e7aa7cf85ull, 0x7980d163cf5b81b4ull},  // 10^292
    {0xcd3a1230c43fb26full, 0x28ce1bd2e55f35ecull},  // 10^291
    {0xa42e74f3d032f525ull, 0xba3e7ca8b77f5e56ull},  // 10^290
    {0x83585d8fd9c25db7ull, 0xc831fd53c5ff7eacull},  // 10^289
    {0xd226fc195c6a2f8cull, 0x73832eec6fff3112ull},  // 10^288
    {0xa81f301449ee8c70ull, 0x5c68f256bfff5a75ull},  // 10^287
    {0x867f59a9d4bed6c0ull, 0x49ed8eabcccc485eull},  // 10^286
    {0xd732290fbacaf133ull, 0xa97c177947ad4096ull},  // 10^285
    {0xac2820d9623bf429ull, 0x546345fa9fbdcd45ull},  // 10^284
    {0x89b9b3e11b6329baull, 0xa9e904c87fcb0a9eull},  // 10^283
    {0xdc5c5301c56b75f7ull, 0x7641a140cc7810fcull},  // 10^282
    {0xb049dc016abc5e5full, 0x91ce1a9a3d2cda63ull},  // 10^281
    {0x8d07e33455637eb2ull, 0xdb0b487b6423e1e9ull},  // 10^280
    {0xe1a63853bbd26451ull, 0x5e7873f8a0396974ull},  // 10^279
    {0xb484f9dc9641e9daull, 0xb1f9f660802dedf7ull},  // 10^278
    {0x906a617d450187e2ull, 0x27fb2b80668b24c6ull},  // 10^277
    {0xe7109bfba19c0c9dull, 0x0cc512670a783ad5ull},  // 10^276
    {0xb8da1662e7b00a17ull, 0x3d6a751f3b936244ull},  // 10^275
    {0x93e1ab8252f33b45ull, 0xcabb90e5c942b504ull},  // 10^274
    {0xec9c459d51852ba2ull, 0xddf8e7d60ed1219full},  // 10^273
    {0xbd49d14aa79dbc82ull, 0x4b2d8644d8a74e19ull},  // 10^272
    {0x976e41088617ca01ull, 0xd5be0503e085d814ull},  // 10^271
    {0xf24a01a73cf2dccfull, 0xbc633b39673c8cedull},  // 10^270
    {0xc1d4ce1f63f57d72ull, 0xfd1c2f611f63a3f1ull},  // 10^269
    {0x9b10a4e5e9913128ull, 0xca7cf2b4191c8327ull},  // 10^268
    {0xf81aa16fdc1b81daull, 0xdd94b7868e94050bull},  // 10^267
    {0xc67bb4597ce2ce48ull, 0xb143c6053edcd0d6ull},  // 10^266
    {0x9ec95d1463e8a506ull, 0xf4363804324a40abull},  // 10^265
    {0xfe0efb53d30dd4d7ull, 0xed238cd383aa0111ull},  // 10^264
    {0xcb3f2f7642717713ull, 0x241c70a936219a74ull},  // 10^263
    {0xa298f2c501f45f42ull, 0x8349f3ba91b47b90ull},  // 10^262
    {0x8213f56a67f6b29bull, 0x9c3b29620e29fc74ull},  // 10^261
    {0xd01fef10a657842cull, 0x2d2b7569b0432d86ull},  // 10^260
    {0xa67ff273b8460356ull, 0x8a892abaf368f138ull},  // 10^259
    {0x8533285c936b35deull, 0xd53a88958f872760ull},  // 10^258
    {0xd51ea6fa85785631ull, 0x552a74227f3ea566ull},  // 10^257
    {0xaa7eebfb9df9de8dull, 0xddbb901b98feeab8ull},  // 10^256
    {0x8865899617fb1871ull, 0x7e2fa67c7a658893ull},  // 10^255
    {0xda3c0f568cc4f3e8ull, 0xc9e5d72d90a2741full},  // 10^254
    {0xae9672aba3d0c320ull, 0xa184ac2473b529b2ull},  // 10^253
    {0x8bab8eefb6409c1aull, 0x1ad089b6c2f7548full},  // 10^252
    {0xdf78e4b2bd342cf6ull, 0x914da9246b255417ull},  // 10^251
    {0xb2c71d5bca9023f8ull, 0x743e20e9ef511013ull},  // 10^250
    {0x8f05b1163ba6832dull, 0x29cb4d87f2a7400full},  // 10^249
    {0xe4d5e82392a40515ull, 0x0fabaf3feaa5334bull},  // 10^248
    {0xb7118682dbb66a77ull, 0x3fbc8c33221dc2a2ull},  // 10^247
    {0x92746b9be2f8552cull, 0x32fd3cf5b4e49bb5ull},  // 10^246
    {0xea53df5fd18d5513ull, 0x84c86189216dc5eeull},  // 10^245
    {0xbb764c4ca7a4440full, 0x9d6d1ad41abe37f2ull},  // 10^244
    {0x95f83d0a1fb69cd9ull, 0x4abdaf101564f98full},  // 10^243
    {0xeff394dcff8a948eull, 0xddfc4b4cef07f5b1ull},  // 10^242
    {0xbff610b0cc6edd3full, 0x17fd090a58d32af4ull},  // 10^241
    {0x9991a6f3d6bf1765ull, 0xacca6da1e0a8ef2aull},  // 10^240
    {0xf5b5d7ec8acb58a2ull, 0xae10af696774b1dcull},  // 10^239
    {0xc491798a08a2ad4eull, 0xf1a6f2bab92a27e3ull},  // 10^238
    {0x9d412e0806e88aa5ull, 0x8e1f289560ee864full},  // 10^237
    {0xfb9b7cd9a4a7443cull, 0x169840ef017da3b2ull},  // 10^236
    {0xc94930ae1d529cfcull, 0xdee033f26797b628ull},  // 10^235
    {0xa1075a24e4421730ull, 0xb24cf65b8612f820ull},  // 10^234
    {0x80d2ae83e9ce78f3ull, 0xc1d72b7c6b42601aull},  // 10^233
    {0xce1de40642e3f4b9ull, 0x36251260ab9d668full},  // 10^232
    {0xa4e4b66b68b65d60ull, 0xf81da84d56178540ull},  // 10^231
    {0x83ea2b892091e44dull, 0x934aed0aab460433ull},  // 10^230
    {0xd31045a8341ca07cull, 0x1ede48111209a051ull},  // 10^229
    {0xa8d9d1535ce3b396ull, 0x7f1839a741a14d0eull},  // 10^228
    {0x8714a775e3e95c78ull, 0x65acfaec34810a72ull},  // 10^227
    {0xd8210befd30efa5aull, 0x3c47f7e05401aa4full},  // 10^226
    {0xace73cbfdc0bfb7bull, 0x636cc64d1001550cull},  // 10^225
    {0x8a5296ffe33cc92full, 0x82bd6b70d99aaa70ull},  // 10^224
    {0xdd50f1996b947518ull, 0xd12f124e28f7771aull},  // 10^223
    {0xb10d8e1456105dadull, 0x7425a83e872c5f48ull},  // 10^222
    {0x8da471a9de737e24ull, 0x5ceaecfed289e5d3ull},  // 10^221
    {0xe2a0b5dc971f303aull, 0x2e44ae64840fd61eull},  // 10^220
    {0xb54d5e4a127f59c8ull, 0x2503beb6d00cab4cull},  // 10^219
    {0x910ab1d4db9914a0ull, 0x1d9c9892400a22a3ull},  // 10^218
    {0xe8111c87c5c1ba99ull, 0xc8fa8db6ccdd0438ull},  // 10^217
    {0xb9a74a0637ce2ee1ull, 0x6d953e2bd7173693ull},  // 10^216
    {0x9485d4d1c63e8be7ull, 0x8addcb5645ac2ba9ull},  // 10^215
    {0xeda2ee1c7064130cull, 0x1162def06f79df74ull},  // 10^214
    {0xbe1bf1b059e9a8d6ull, 0x744f18c0592e4c5dull},  // 10^213
    {0x98165af37b2153deull, 0xc3727a337a8b704bull},  // 10^212
    {0xf356f7ebf83552feull, 0x0583f6b8c4124d44ull},  // 10^211
    {0xc2abf989935ddbfeull, 0x6acff893d00ea436ull},  // 10^210
    {0x9bbcc7a142b17ccbull, 0x88a66076400bb692ull},  // 10^209
    {0xf92e0c3537826145ull, 0xa7709a56ccdf8a83ull},  // 10^208
    {0xc75809c42c684dd1ull, 0x52c07b78a3e60869ull},  // 10^207
    {0x9f79a169bd203e41ull, 0x0f0062c6e984d387ull},  // 10^206
    {0xff290242c83396ceull, 0x7e67047175a15272ull},  // 10^205
    {0xcc20ce9bd35c78a5ull, 0x31ec038df7b441f5ull},  // 10^204
    {0xa34d721642b06084ull, 0x27f002d7f95d0191ull},  // 10^203
    {0x82a45b450226b39cull, 0xecc0024661173474ull},  // 10^202
    {0xd106f86e69d785c7ull, 0xe13336d701beba53ull},  // 10^201
    {0xa738c6bebb12d16cull, 0xb428f8ac016561dcull},  // 10^200
    {0x85c7056562757456ull, 0xf6872d5667844e4aull},  // 10^199
    {0xd60b3bd56a5586f1ull, 0x8a71e223d8d3b075ull},  // 10^198
    {0xab3c2fddeeaad25aull, 0xd527e81cad7626c4ull},  // 10^197
    {0x88fcf317f22241e2ull, 0x441fece3bdf81f04ull},  // 10^196
    {0xdb2e51bfe9d0696aull, 0x06997b05fcc0319full},  // 10^195
    {0xaf58416654a6babbull, 0x387ac8d1970027b3ull},  // 10^194
    {0x8c469ab843b89562ull, 0x93956d7478ccec8full},  // 10^193
    {0xe070f78d3927556aull, 0x85bbe253f47b1418ull},  // 10^192
    {0xb38d92d760ec4455ull, 0x37c981dcc395a9adull},  // 10^191
    {0x8fa475791a569d10ull, 0xf96e017d694487bdull},  // 10^190
    {0xe5d3ef282a242e81ull, 0x8f1668c8a86da5fbull},  // 10^189
    {0xb7dcbf5354e9beceull, 0x0c11ed6d538aeb30ull},  // 10^188
    {0x9316ff75dd87cbd8ull, 0x09a7f12442d588f3ull},  // 10^187
    {0xeb57ff22fc0c7959ull, 0xa90cb506d155a7ebull},  // 10^186
    {0xbc4665b596706114ull, 0x873d5d9f0dde1fefull},  // 10^185
    {0x969eb7c47859e743ull, 0x9f644ae5a4b1b326ull},  // 10^184
    {0xf0fdf2d3f3c30b9full, 0x656d44a2a11c51d6ull},  // 10^183
    {0xc0cb28a98fcf3c7full, 0x84576a1bb416a7deull},  // 10^182
    {0x9a3c2087a63f6399ull, 0x36ac54e2f678864cull},  // 10^181
    {0xf6c69a72a3989f5bull, 0x8aad549e57273d46ull},  // 10^180
    {0xc56baec21c7a1916ull, 0x088aaa1845b8fdd1ull},  // 10^179
    {0x9defbf01b061adabull, 0x3a0888136afa64a8ull},  // 10^178
    {0xfcb2cb35e702af78ull, 0x5cda735244c3d43full},  // 10^177
    {0xca28a291859bbf93ull, 0x7d7b8f7503cfdcffull},  // 10^176
    {0xa1ba1ba79e1632dcull, 0x6462d92a69731733ull},  // 10^175
    {0x8161afb94b44f57dull, 0x1d1be0eebac278f6ull},  // 10^174
    {0xcf02b2c21207ef2eull, 0x94f967e45e03f4bcull},  // 10^173
    {0xa59bc234db398c25ull, 0x43fab9837e699096ull},  // 10^172
    {0x847c9b5d7c2e09b7ull, 0x69956135febada12ull},  // 10^171
    {0xd3fa922f2d1675f2ull, 0x42889b8997915ce9ull},  // 10^170
    {0xa99541bf57452b28ull, 0x353a1607ac744a54ull},  // 10^169
    {0x87aa9aff79042286ull, 0x90fb44d2f05d0843ull},  // 10^168
    {0xd910f7ff28069da4ull, 0x1b2ba1518094da05ull},  // 10^167
    {0xada72ccc20054ae9ull, 0xaf561aa79a10ae6bull},  // 10^166
    {0x8aec23d680043beeull, 0x25de7bb9480d5855ull},  // 10^165
    {0xde469fbd99a05fe3ull, 0x6fca5f8ed9aef3bcull},  // 10^164
    {0xb1d219647ae6b31cull, 0x596eb2d8ae258fc9ull},  // 10^163
    {0x8e41ade9fbebc27dull, 0x14588f13be847308ull},  // 10^162
    {0xe39c49765fdf9d94ull, 0xed5a7e85fda0b80cull},  // 10^161
    {0xb616a12b7fe617aaull, 0x577b986b314d600aull},  // 10^160
    {0x91abb422ccb812eeull, 0xac62e055c10ab33bull},  // 10^159
    {0xe912b9d1478ceb17ull, 0x7a37cd5601aab85eull},  // 10^158
    {0xba756174393d88dfull, 0x94f971119aeef9e5ull},  // 10^157
    {0x952ab45cfa97a0b2ull, 0xdd945a747bf26184ull},  // 10^156
    {0xeeaaba2e5dbf6784ull, 0x95ba2a53f983cf39ull},  // 10^155
    {0xbeeefb584aff8603ull, 0xaafb550ffacfd8fbull},  // 10^154
    {0x98bf2f79d5993802ull, 0xef2f773ffbd97a62ull},  // 10^153
    {0xf46518c2ef5b8cd1ull, 0x7eb258665fc25d6aull},  // 10^152
    {0xc38413cf25e2d70dull, 0xfef5138519684abbull},  // 10^151
    {0x9c69a97284b578d7ull, 0xff2a760414536efcull},  // 10^150
    {0xfa42a8b73abbf48cull, 0xcb772339ba1f17faull},  // 10^149
    {0xc83553c5c8965d3dull, 0x6f92829494e5acc8ull},  // 10^148
    {0xa02aa96b06deb0fdull, 0xf2db9baa10b7bd6dull},  // 10^147
    {0x802221226be55a64ull, 0xc2494954da2c978aull},  // 10^146
    {0xcd036837130890a1ull, 0x36dba887c37a8c10ull},  // 10^145
    {0xa402b9c5a8d3a6e7ull, 0x5f16206c9c6209a7ull},  // 10^144
    {0x8335616aed761f1full, 0x7f44e6bd49e807b9ull},  // 10^143
    {0xd1ef0244af2364ffull, 0x3207d795430cd927ull},  // 10^142
    {0xa7f26836f282b732ull, 0x8e6cac7768d7141full},  // 10^141
    {0x865b86925b9bc5c2ull, 0x0b8a2392ba45a9b3ull},  // 10^140
    {0xd6f8d7509292d603ull, 0x45a9d2845d3c42b7ull},  // 10^139
    {0xabfa45da0edbde69ull, 0x0487db9d17636893ull},  // 10^138
    {0x899504ae72497ebaull, 0x6a06494a791c53a9ull},  // 10^137
    {0xdc21a1171d42645dull, 0x76707543f4fa1f74ull},  // 10^136
    {0xb01ae745b101e9e4ull, 0x5ec05dcff72e7f90ull},  // 10^135
    {0x8ce2529e2734bb1dull, 0x1899e4a65f58660dull},  // 10^134
    {0xe16a1dc9d8545e94ull, 0xf4296dd6fef3d67bull},  // 10^133
    {0xb454e4a179dd1877ull, 0x29babe4598c311fcull},  // 10^132
    {0x9043ea1ac7e41392ull, 0x87c89837ad68db30ull},  // 10^131
    {0xe6d3102ad96cec1dull, 0xa60dc059157491e6ull},  // 10^130
    {0xb8a8d9bbe123f017ull, 0xb80b0047445d4185ull},  // 10^129
    {0x93ba47c980e98cdfull, 0xc66f336c36b10138ull},  // 10^128
    {0xec5d3fa8ce427affull, 0xa3e51f138ab4cebfull},  // 10^127
    {0xbd176620a501fbffull, 0xb650e5a93bc3d899ull},  // 10^126
    {0x9745eb4d50ce6332ull, 0xf840b7ba963646e1ull},  // 10^125
    {0xf209787bb47d6b84ull, 0xc0678c5dbd23a49bull},  // 10^124
    {0xc1a12d2fc3978937ull, 0x0052d6b1641c83afull},  // 10^123
    {0x9ae757596946075full, 0x3375788de9b06959ull},  // 10^122
    {0xf7d88bc24209a565ull, 0x1f225a7ca91a4227ull},  // 10^121
    {0xc646d63501a1511dull, 0xb281e1fd541501b9ull},  // 10^120
    {0x9e9f11c4014dda7eull, 0x2867e7fddcdd9afbull},  // 10^119
    {0xfdcb4fa002162a63ull, 0x73d9732fc7c8f7f7ull},  // 10^118
    {0xcb090c8001ab551cull, 0x5cadf5bfd3072cc6ull},  // 10^117
    {0xa26da3999aef7749ull, 0xe3be5e330f38f09eull},  // 10^116
    {0x81f14fae158c5f6eull, 0x4fcb7e8f3f60c07full},  // 10^115
    {0xcfe87f7cef46ff16ull, 0xe612641865679a64ull},  // 10^114
    {0xa6539930bf6bff45ull, 0x84db8346b786151dull},  // 10^113
    {0x850fadc09923329eull, 0x03e2cf6bc604ddb1ull},  // 10^112
    {0xd4e5e2cdc1d1ea96ull, 0x6c9e18ac7007c91bull},  // 10^111
    {0xaa51823e34a7eedeull, 0xbd4b46f0599fd416ull},  // 10^110
    {0x884134fe908658b2ull, 0x3109058d147fdcdeull},  // 10^109
    {0xda01ee641a708de9ull, 0xe80e6f4820cc9496ull},  // 10^108
    {0xae67f1e9aec07187ull, 0xecd8590680a3aa12ull},  // 10^107
    {0x8b865b215899f46cull, 0xbd79e0d20082ee75ull},  // 10^106
    {0xdf3d5e9bc0f653e1ull, 0x2f2967b66737e3eeull},  // 10^105
    {0xb2977ee300c50fe7ull, 0x58edec91ec2cb658ull},  // 10^104
    {0x8edf98b59a373fecull, 0x4724bd4189bd5eadull},  // 10^103
    {0xe498f455c38b997aull, 0x0b6dfb9c0f956448ull},  // 10^102
    {0xb6e0c377cfa2e12eull, 0x6f8b2fb00c77836dull},  // 10^101
    {0x924d692ca61be758ull, 0x593c2626705f9c57ull},  // 10^100
    {0xea1575143cf97226ull, 0xf52d09d71a3293beull},  // 10^99
    {0xbb445da9ca61281full, 0x2a8a6e45ae8edc98ull},  // 10^98
    {0x95d04aee3b80ece5ull, 0xbba1f1d158724a13ull},  // 10^97
    {0xefb3ab16c59b14a2ull, 0xc5cfe94ef3ea101full},  // 10^96
    {0xbfc2ef456ae276e8ull, 0x9e3fedd8c321a67full},  // 10^95
    {0x9968bf6abbe85f20ull, 0x7e998b13cf4e1eccull},  // 10^94
    {0xf5746577930d6500ull, 0xca8f44ec7ee3647aull},  // 10^93
    {0xc45d1df942711d9aull, 0x3ba5d0bd324f8395ull},  // 10^92
    {0x9d174b2dcec0e47bull, 0x62eb0d64283f9c77ull},  // 10^91
    {0xfb5878494ace3a5full, 0x04ab48a04065c724ull},  // 10^90
    {0xc913936dd571c84cull, 0x03bc3a19cd1e38eaull},  // 10^89
    {0xa0dc75f1778e39d6ull, 0x696361ae3db1c722ull},  // 10^88
    {0x80b05e5ac60b6178ull, 0x544f8158315b05b5ull},  // 10^87
    {0xcde6fd5e09abcf26ull, 0xed4c0226b55e6f87ull},  // 10^86
    {0xa4b8cab1a1563f52ull, 0x577001b891185939ull},  // 10^85
    {0x83c7088e1aab65dbull, 0x792667c6da79e0fbull},  // 10^84
    {0xd2d80db02aabd62bull, 0xf50a3fa490c30191ull},  // 10^83
    {0xa8acd7c0222311bcull, 0xc40832ea0d68ce0dull},  // 10^82
    {0x86f0ac99b4e8dafdull, 0x69a028bb3ded71a4ull},  // 10^81
    {0xd7e77a8f87daf7fbull, 0xdc33745ec97be907ull},  // 10^80
    {0xacb92ed9397bf996ull, 0x49c2c37f07965405ull},  // 10^79
    {0x8a2dbf142dfcc7abull, 0x6e3569326c784338ull},  // 10^78
    {0xdd15fe86affad912ull, 0x49ef0eb713f39ebfull},  // 10^77
    {0xb0de65388cc8ada8ull, 0x3b25a55f43294bccull},  // 10^76
    {0x8d7eb76070a08aecull, 0xfc1e1de5cf543ca3ull},  // 10^75
    {0xe264589a4dcdab14ull, 0xc696963c7eed2dd2ull},  // 10^74
    {0xb51d13aea4a488ddull, 0x6babab6398bdbe42ull},  // 10^73
    {0x90e40fbeea1d3a4aull, 0xbc8955e946fe31ceull},  // 10^72
    {0xe7d34c64a9c85d44ull, 0x60dbbca87196b617ull},  // 10^71
    {0xb975d6b6ee39e436ull, 0xb3e2fd538e122b45ull},  // 10^70
    {0x945e455f24fb1cf8ull, 0x8fe8caa93e74ef6bull},  // 10^69
    {0xed63a231d4c4fb27ull, 0x4ca7aaa863ee4bdeull},  // 10^68
    {0xbde94e8e43d0c8ecull, 0x3d52eeed1cbea318ull},  // 10^67
    {0x97edd871cfda3a56ull, 0x97758bf0e3cbb5adull},  // 10^66
    {0xf316271c7fc3908aull, 0x8bef464e3945ef7bull},  // 10^65
    {0xc2781f49ffcfa6d5ull, 0x3cbf6b71c76b25fcull},  // 10^64
    {0x9b934c3b330c8577ull, 0x63cc55f49f88eb30ull},  // 10^63
    {0xf8ebad2b84e0d58bull, 0xd2e0898765a7deb3ull},  // 10^62
    {0xc722f0ef9d80aad6ull, 0x424d3ad2b7b97ef6ull},  // 10^61
    {0x9f4f2726179a2245ull, 0x01d762422c946591ull},  // 10^60
    {0xfee50b7025c36a08ull, 0x02f236d04753d5b5ull},  // 10^59
    {0xcbea6f8ceb02bb39ull, 0x9bf4f8a69f764491ull},  // 10^58
    {0xa321f2d7226895c7ull, 0xaff72d52192b6a0eull},  // 10^57
    {0x82818f1281ed449full, 0xbff8f10e7a8921a5ull},  // 10^56
    {0xd0cf4b50cfe20765ull, 0xfff4b4e3f741cf6eull},  // 10^55
    {0xa70c3c40a64e6c51ull, 0x999090b65f67d925ull},  // 10^54
    {0x85a36366eb71f041ull, 0x47a6da2b7f864751ull},  // 10^53
    {0xd5d238a4abe98068ull, 0x72a4904598d6d881ull},  // 10^52
    {0xab0e93b6efee0053ull, 0x8eea0d047a457a01ull},  // 10^51
    {0x88d8762bf324cd0full, 0xa5880a69fb6ac801ull},  // 10^50
    {0xdaf3f04651d47b4cull, 0x3c0cdd765f114001ull},  // 10^49
    {0xaf298d050e4395d6ull, 0x9670b12b7f410001ull},  // 10^48
    {0x8c213d9da502de45ull, 0x4526f422cc340001ull},  // 10^47
    {0xe0352f62a19e306eull, 0xd50b2037ad200001ull},  // 10^46
    {0xb35dbf821ae4f38bull, 0xdda2802c8a800001ull},  // 10^45
    {0x8f7e32ce7bea5c6full, 0xe4820023a2000001ull},  // 10^44
    {0xe596b7b0c643c719ull, 0x6d9ccd05d0000001ull},  // 10^43
    {0xb7abc627050305adull, 0xf14a3d9e40000001ull},  // 10^42
    {0x92efd1b8d0cf37beull, 0x5aa1cae500000001ull},  // 10^41
    {0xeb194f8e1ae525fdull, 0x5dcfab0800000001ull},  // 10^40
    {0xbc143fa4e250eb31ull, 0x17d955a000000001ull},  // 10^39
    {0x96769950b50d88f4ull, 0x1314448000000001ull},  // 10^38
    {0xf0bdc21abb48db20ull, 0x1e86d40000000001ull},  // 10^37
    {0xc097ce7bc90715b3ull, 0x4b9f100000000001ull},  // 10^36
    {0x9a130b963a6c115cull, 0x3c7f400000000001ull},  // 10^35
    {0xf684df56c3e01bc6ull, 0xc732000000000001ull},  // 10^34
    {0xc5371912364ce305ull, 0x6c28000000000001ull},  // 10^33
    {0x9dc5ada82b70b59dull, 0xf020000000000001ull},  // 10^32
    {0xfc6f7c4045812296ull, 0x4d00000000000001ull},  // 10^31
    {0xc9f2c9cd04674edeull, 0xa400000000000001ull},  // 10^30
    {0xa18f07d736b90be5ull, 0x5000000000000001ull},  // 10^29
    {0x813f3978f8940984ull, 0x4000000000000001ull},  // 10^28
    {0xcecb8f27f4200f3aull, 0x0000000000000001ull},  // 10^27
    {0xa56fa5b99019a5c8ull, 0x0000000000000001ull},  // 10^26
    {0x84595161401484a0ull, 0x0000000000000001ull},  // 10^25
    {0xd3c21bcecceda100ull, 0x0000000000000001ull},  // 10^24
    {0xa968163f0a57b400ull, 0x0000000000000001ull},  // 10^23
    {0x878678326eac9000ull, 0x0000000000000001ull},  // 10^22
    {0xd8d726b7177a8000ull, 0x0000000000000001ull},  // 10^21
    {0xad78ebc5ac620000ull, 0x0000000000000001ull},  // 10^20
    {0x8ac7230489e80000ull, 0x0000000000000001ull},  // 10^19
    {0xde0b6b3a76400000ull, 0x0000000000000001ull},  // 10^18
    {0xb1a2bc2ec5000000ull, 0x0000000000000001ull},  // 10^17
    {0x8e1bc9bf04000000ull, 0x0000000000000001ull},  // 10^16
    {0xe35fa931a0000000ull, 0x0000000000000001ull},  // 10^15
    {0xb5e620f480000000ull, 0x0000000000000001ull},  // 10^14
    {0x9184e72a00000000ull, 0x0000000000000001ull},  // 10^13
    {0xe8d4a51000000000ull, 0x0000000000000001ull},  // 10^12
    {0xba43b74000000000ull, 0x0000000000000001ull},  // 10^11
    {0x9502f90000000000ull, 0x0000000000000001ull},  // 10^10
    {0xee6b280000000000ull, 0x0000000000000001ull},  // 10^9
    {0xbebc200000000000ull, 0x0000000000000001ull},  // 10^8
    {0x9896800000000000ull, 0x0000000000000001ull},  // 10^7
    {0xf424000000000000ull, 0x0000000000000001ull},  // 10^6
    {0xc350000000000000ull, 0x0000000000000001ull},  // 10^5
    {0x9c40000000000000ull, 0x0000000000000001ull},  // 10^4
    {0xfa00000000000000ull, 0x0000000000000001ull},  // 10^3
    {0xc800000000000000ull, 0x0000000000000001ull},  // 10^2
    {0xa000000000000000ull, 0x0000000000000001ull},  // 10^1
    {0x8000000000000000ull, 0x0000000000000001ull},  // 10^0
    {0xccccccccccccccccull, 0xcccccccccccccccdull},  // 10^-1
    {0xa3d70a3d70a3d70aull, 0x3d70a3d70a3d70a4ull},  // 10^-2
    {0x83126e978d4fdf3bull, 0x645a1cac083126eaull},  // 10^-3
    {0xd1b71758e219652bull, 0xd3c36113404ea4a9ull},  // 10^-4
    {0xa7c5ac471b478423ull, 0x0fcf80dc33721d54ull},  // 10^-5
    {0x8637bd05af6c69b5ull, 0xa63f9a49c2c1b110ull},  // 10^-6
    {0xd6bf94d5e57a42bcull, 0x3d32907604691b4dull},  // 10^-7
    {0xabcc77118461cefcull, 0xfdc20d2b36ba7c3eull},  // 10^-8
    {0x89705f4136b4a597ull, 0x31680a88f8953031ull},  // 10^-9
    {0xdbe6fecebdedd5beull, 0xb573440e5a884d1cull},  // 10^-10
    {0xafebff0bcb24aafeull, 0xf78f69a51539d749ull},  // 10^-11
    {0x8cbccc096f5088cbull, 0xf93f87b7442e45d4ull},  // 10^-12
    {0xe12e13424bb40e13ull, 0x2865a5f206b06fbaull},  // 10^-13
    {0xb424dc35095cd80full, 0x538484c19ef38c95ull},  // 10^-14
    {0x901d7cf73ab0acd9ull, 0x0f9d37014bf60a11ull},  // 10^-15
    {0xe69594bec44de15bull, 0x4c2ebe687989a9b4ull},  // 10^-16
    {0xb877aa3236a4b449ull, 0x09befeb9fad487c3ull},  // 10^-17
    {0x9392ee8e921d5d07ull, 0x3aff322e62439fd0ull},  // 10^-18
    {0xec1e4a7db69561a5ull, 0x2b31e9e3d06c32e6ull},  // 10^-19
    {0xbce5086492111aeaull, 0x88f4bb1ca6bcf585ull},  // 10^-20
    {0x971da05074da7beeull, 0xd3f6fc16ebca5e04ull},  // 10^-21
    {0xf1c90080baf72cb1ull, 0x5324c68b12dd6339ull},  // 10^-22
    {0xc16d9a0095928a27ull, 0x75b7053c0f178294ull},  // 10^-23
    {0x9abe14cd44753b52ull, 0xc4926a9672793543ull},  // 10^-24
    {0xf79687aed3eec551ull, 0x3a83ddbd83f52205ull},  // 10^-25
    {0xc612062576589ddaull, 0x95364afe032a819eull},  // 10^-26
    {0x9e74d1b791e07e48ull, 0x775ea264cf55347eull},  // 10^-27
    {0xfd87b5f28300ca0dull, 0x8bca9d6e188853fdull},  // 10^-28
    {0xcad2f7f5359a3b3eull, 0x096ee45813a04331ull},  // 10^-29
    {0xa2425ff75e14fc31ull, 0xa1258379a94d028eull},  // 10^-30
    {0x81ceb32c4b43fcf4ull, 0x80eacf948770ced8ull},  // 10^-31
    {0xcfb11ead453994baull, 0x67de18eda5814af3ull},  // 10^-32
    {0xa6274bbdd0fadd61ull, 0xecb1ad8aeacdd58full},  // 10^-33
    {0x84ec3c97da624ab4ull, 0xbd5af13bef0b113full},  // 10^-34
    {0xd4ad2dbfc3d07787ull, 0x955e4ec64b44e865ull},  // 10^-35
    {0xaa242499697392d2ull, 0xdde50bd1d5d0b9eaull},  // 10^-36
    {0x881cea14545c7575ull, 0x7e50d64177da2e55ull},  // 10^-37
    {0xd9c7dced53c72255ull, 0x96e7bd358c904a22ull},  // 10^-38
    {0xae397d8aa96c1b77ull, 0xabec975e0a0d081bull},  // 10^-39
    {0x8b61313bbabce2c6ull, 0x2323ac4b3b3da016ull},  // 10^-40
    {0xdf01e85f912e37a3ull, 0x6b6c46dec52f6689ull},  // 10^-41
    {0xb267ed1940f1c61cull, 0x55f038b237591ed4ull},  // 10^-42
    {0x8eb98a7a9a5b04e3ull, 0x77f3608e92adb243ull},  // 10^-43
    {0xe45c10c42a2b3b05ull, 0x8cb89a7db77c506bull},  // 10^-44
    {0xb6b00d69bb55c8d1ull, 0x3d607b97c5fd0d23ull},  // 10^-45
    {0x9226712162ab070dull, 0xcab3961304ca70e9ull},  // 10^-46
    {0xe9d71b689dde71afull, 0xaab8f01e6e10b4a7ull},  // 10^-47
    {0xbb127c53b17ec159ull, 0x5560c018580d5d53ull},  // 10^-48
    {0x95a8637627989aadull, 0xdde7001379a44aa9ull},  // 10^-49
    {0xef73d256a5c0f77cull, 0x963e66858f6d4441ull},  // 10^-50
    {0xbf8fdb78849a5f96ull, 0xde98520472bdd034ull},  // 10^-51
    {0x993fe2c6d07b7fabull, 0xe546a8038efe402aull},  // 10^-52
    {0xf53304714d9265dfull, 0xd53dd99f4b3066a9ull},  // 10^-53
    {0xc428d05aa4751e4cull, 0xaa97e14c3c26b887ull},  // 10^-54
    {0x9ced737bb6c4183dull, 0x55464dd69685606cull},  // 10^-55
    {0xfb158592be068d2eull, 0xeed6e2f0f0d56713ull},  // 10^-56
    {0xc8de047564d20a8bull, 0xf245825a5a445276ull},  // 10^-57
    {0xa0b19d2ab70e6ed6ull, 0x5b6aceaeae9d0ec5ull},  // 10^-58
    {0x808e17555f3ebf11ull, 0xe2bbd88bbee40bd1ull},  // 10^-59
    {0xcdb02555653131b6ull, 0x3792f412cb06794eull},  // 10^-60
    {0xa48ceaaab75a8e2bull, 0x5fa8c3423c052dd8ull},  // 10^-61
    {0x83a3eeeef9153e89ull, 0x1953cf68300424adull},  // 10^-62
    {0xd29fe4b18e88640eull, 0x8eec7f0d19a03aaeull},  // 10^-63
    {0xa87fea27a539e9a5ull, 0x3f2398d747b36225ull},  // 10^-64
    {0x86ccbb52ea94baeaull, 0x98e947129fc2b4eaull},  // 10^-65
    {0xd7adf884aa879177ull, 0x5b0ed81dcc6abb10ull},  // 10^-66
    {0xac8b2d36eed2dac5ull, 0xe272467e3d222f40ull},  // 10^-67
    {0x8a08f0f8bf0f156bull, 0x1b8e9ecb641b5900ull},  // 10^-68
    {0xdcdb1b2798182244ull, 0xf8e431456cf88e66ull},  // 10^-69
    {0xb0af48ec79ace837ull, 0x2d835a9df0c6d852ull},  // 10^-70
    {0x8d590723948a535full, 0x579c487e5a38ad0full},  // 10^-71
    {0xe2280b6c20dd5232ull, 0x25c6da63c38de1b1ull},  // 10^-72
    {0xb4ecd5f01a4aa828ull, 0x1e38aeb6360b1af4ull},  // 10^-73
    {0x90bd77f3483bb9b9ull, 0xb1c6f22b5e6f48c3ull},  // 10^-74
    {0xe7958cb87392c2c2ull, 0xb60b1d1230b20e05ull},  // 10^-75
    {0xb94470938fa89bceull, 0xf808e40e8d5b3e6aull},  // 10^-76
    {0x9436c0760c86e30bull, 0xf9a0b6720aaf6522ull},  // 10^-77
    {0xed246723473e3813ull, 0x290123e9aab23b69ull},  // 10^-78
    {0xbdb6b8e905cb600full, 0x5400e987bbc1c921ull},  // 10^-79
    {0x97c560ba6b0919a5ull, 0xdccd879fc967d41bull},  // 10^-80
    {0xf2d56790ab41c2a2ull, 0xfae27299423fb9c4ull},  // 10^-81
    {0xc24452da229b021bull, 0xfbe85badce996169ull},  // 10^-82
    {0x9b69dbe1b548ce7cull, 0xc986afbe3ee11abbull},  // 10^-83
    {0xf8a95fcf88747d94ull, 0x75a44c6397ce912bull},  // 10^-84
    {0xc6ede63fa05d3143ull, 0x91503d1c79720dbcull},  // 10^-85
    {0x9f24b832e6b0f436ull, 0x0dd9ca7d2df4d7caull},  // 10^-86
    {0xfea126b7d78186bcull, 0xe2f610c84987bfa9ull},  // 10^-87
    {0xcbb41ef979346bcaull, 0x4f2b40a03ad2ffbaull},  // 10^-88
    {0xa2f67f2dfa90563bull, 0x728900802f0f32fbull},  // 10^-89
    {0x825ecc24c873782full, 0x8ed400668c0c28c9ull},  // 10^-90
    {0xd097ad07a71f26b2ull, 0x7e2000a41346a7a8ull},  // 10^-91
    {0xa6dfbd9fb8e5b88eull, 0xcb4ccd500f6bb953ull},  // 10^-92
    {0x857fcae62d8493a5ull, 0x6f70a4400c562ddcull},  // 10^-93
    {0xd59944a37c0752a2ull, 0x4be76d3346f04960ull},  // 10^-94
    {0xaae103b5fcd2a881ull, 0xd652bdc29f26a11aull},  // 10^-95
    {0x88b402f7fd75539bull, 0x11dbcb0218ebb415ull},  // 10^-96
    {0xdab99e59958885c4ull, 0xe95fab368e45eceeull},  // 10^-97
    {0xaefae51477a06b03ull, 0xede622920b6b23f2ull},  // 10^-98
    {0x8bfbea76c619ef36ull, 0x57eb4edb3c55b65bull},  // 10^-99
    {0xdff9772470297ebdull, 0x59787e2b93bc56f8ull},  // 10^-100
    {0xb32df8e9f3546564ull, 0x47939822dc96abfaull},  // 10^-101
    {0x8f57fa54c2a9eab6ull, 0x9fa946824a12232eull},  // 10^-102
    {0xe55990879ddcaabdull, 0xcc420a6a101d0516ull},  // 10^-103
    {0xb77ada0617e3bbcbull, 0x09ce6ebb40173745ull},  // 10^-104
    {0x92c8ae6b464fc96full, 0x3b0b8bc90012929eull},  // 10^-105
    {0xeadab0aba3b2dbe5ull, 0x2b45ac74ccea842full},  // 10^-106
    {0xbbe226efb628afeaull, 0x890489f70a55368cull},  // 10^-107
    {0x964e858c91ba2655ull, 0x3a6a07f8d510f870ull},  // 10^-108
    {0xf07da27a82c37088ull, 0x5d767327bb4e5a4dull},  // 10^-109
    {0xc06481fb9bcf8d39ull, 0xe45ec2862f71e1d7ull},  // 10^-110
    {0x99ea0196163fa42eull, 0x504bced1bf8e4e46ull},  // 10^-111
    {0xf64335bcf065d37dull, 0x4d4617b5ff4a16d6ull},  // 10^-112
    {0xc5029163f384a931ull, 0x0a9e795e65d4df12ull},  // 10^-113
    {0x9d9ba7832936edc0ull, 0xd54b944b84aa4c0eull},  // 10^-114
    {0xfc2c3f3841f17c67ull, 0xbbac2078d443ace3ull},  // 10^-115
    {0xc9bcff6034c13052ull, 0xfc89b393dd02f0b6ull},  // 10^-116
    {0xa163ff802a3426a8ull, 0xca07c2dcb0cf26f8ull},  // 10^-117
    {0x811ccc668829b887ull, 0x0806357d5a3f5260ull},  // 10^-118
    {0xce947a3da6a9273eull, 0x733d226229feea33ull},  // 10^-119
    {0xa54394fe1eedb8feull, 0xc2974eb4ee658829ull},  // 10^-120
    {0x843610cb4bf160cbull, 0xcedf722a585139bbull},  // 10^-121
    {0xd389b47879823479ull, 0x4aff1d108d4ec2c4ull},  // 10^-122
    {0xa93af6c6c79b5d2dull, 0xd598e40d3dd89bd0ull},  // 10^-123
    {0x87625f056c7c4a8bull, 0x11471cd764ad4973ull},  // 10^-124
    {0xd89d64d57a607744ull, 0xe871c7bf077ba8b8ull},  // 10^-125
    {0xad4ab7112eb3929dull, 0x86c16c98d2c953c7ull},  // 10^-126
    {0x8aa22c0dbef60ee4ull, 0x6bcdf07a423aa96cull},  // 10^-127
    {0xddd0467c64bce4a0ull, 0xac7cb3f6d05ddbdfull},  // 10^-128
    {0xb1736b96b6fd83b3ull, 0xbd308ff8a6b17cb3ull},  // 10^-129
    {0x8df5efabc5979c8full, 0xca8d3ffa1ef463c2ull},  // 10^-130
    {0xe3231912d5bf60e6ull, 0x10e1fff697ed6c6aull},  // 10^-131
    {0xb5b5ada8aaff80b8ull, 0x0d819992132456bbull},  // 10^-132
    {0x915e2486ef32cd60ull, 0x0ace1474dc1d122full},  // 10^-133
    {0xe896a0d7e51e1566ull, 0x77b020baf9c81d18ull},  // 10^-134
    {0xba121a4650e4ddebull, 0x92f34d62616ce414ull},  // 10^-135
    {0x94db483840b717efull, 0xa8c2a44eb4571cddull},  // 10^-136
    {0xee2ba6c0678b597full, 0x746aa07ded582e2dull},  // 10^-137
    {0xbe89523386091465ull, 0xf6bbb397f1135824ull},  // 10^-138
    {0x986ddb5c6b3a76b7ull, 0xf89629465a75e01dull},  // 10^-139
    {0xf3e2f893dec3f126ull, 0x5a89dba3c3efccfbull},  // 10^-140
    {0xc31bfa0fe5698db8ull, 0x486e494fcff30a63ull},  // 10^-141
    {0x9c1661a651213e2dull, 0x06bea10ca65c084full},  // 10^-142
    {0xf9bd690a1b68637bull, 0x3dfdce7aa3c673b1ull},  // 10^-143
    {0xc7caba6e7c5382c8ull, 0xfe64a52ee96b8fc1ull},  // 10^-144
    {0x9fd561f1fd0f9bd3ull, 0xfeb6ea8bedefa634ull},  // 10^-145
    {0xffbbcfe994e5c61full, 0xfdf17746497f7053ull},  // 10^-146
    {0xcc963fee10b7d1b3ull, 0x318df905079926a9ull},  // 10^-147
    {0xa3ab66580d5fdaf5ull, 0xc13e60d0d2e0ebbbull},  // 10^-148
    {0x82ef85133de648c4ull, 0x9a984d73dbe722fcull},  // 10^-149
    {0xd17f3b51fca3a7a0ull, 0xf75a15862ca504c6ull},  // 10^-150
    {0xa798fc4196e952e7ull, 0x2c48113823b73705ull},  // 10^-151
    {0x8613fd0145877585ull, 0xbd06742ce95f5f37ull},  // 10^-152
    {0xd686619ba27255a2ull, 0xc80a537b0efefebeull},  // 10^-153
    {0xab9eb47c81f5114full, 0x066ea92f3f326565ull},  // 10^-154
    {0x894bc396ce5da772ull, 0x6b8bba8c328eb784ull},  // 10^-155
    {0xdbac6c247d62a583ull, 0xdf45f746b74abf3aull},  // 10^-156
    {0xafbd2350644eeacfull, 0xe5d1929ef90898fbull},  // 10^-157
    {0x8c974f7383725573ull, 0x1e414218c73a13fcull},  // 10^-158
    {0xe0f218b8d25088b8ull, 0x306869c13ec3532dull},  // 10^-159
    {0xb3f4e093db73a093ull, 0x59ed216765690f57ull},  // 10^-160
    {0x8ff71a0fe2c2e6dcull, 0x47f0e785eaba72acull},  // 10^-161
    {0xe65829b3046b0afaull, 0x0cb4a5a3112a5113ull},  // 10^-162
    {0xb84687c269ef3bfbull, 0x3d5d514f40eea743ull},  // 10^-163
    {0x936b9fcebb25c995ull, 0xcab10dd900beec35ull},  // 10^-164
    {0xebdf661791d60f56ull, 0x111b495b3464ad22ull},  // 10^-165
    {0xbcb2b812db11a5deull, 0x7415d448f6b6f0e8ull},  // 10^-166
    {0x96f5600f15a7b7e5ull, 0x29ab103a5ef8c0baull},  // 10^-167
    {0xf18899b1bc3f8ca1ull, 0xdc44e6c3cb279ac2ull},  // 10^-168
    {0xc13a148e3032d6e7ull, 0xe36a52363c1faf02ull},  // 10^-169
    {0x9a94dd3e8cf578b9ull, 0x82bb74f8301958cfull},  // 10^-170
    {0xf7549530e188c128ull, 0xd12bee59e68ef47dull},  // 10^-171
    {0xc5dd44271ad3cdbaull, 0x40eff1e1853f29feull},  // 10^-172
    {0x9e4a9cec15763e2eull, 0x9a598e4e043287ffull},  // 10^-173
    {0xfd442e4688bd304aull, 0x908f4a166d1da664ull},  // 10^-174
    {0xca9cf1d206fdc03bull, 0xa6d90811f0e4851dull},  // 10^-175
    {0xa21727db38cb002full, 0xb8ada00e5a506a7dull},  // 10^-176
    {0x81ac1fe293d599bfull, 0xc6f14cd848405531ull},  // 10^-177
    {0xcf79cc9db955c2ccull, 0x7182148d4066eeb5ull},  // 10^-178
    {0xa5fb0a17c777cf09ull, 0xf468107100525891ull},  // 10^-179
    {0x84c8d4dfd2c63f3bull, 0x29ecd9f40041e074ull},  // 10^-180
    {0xd47487cc8470652bull, 0x7647c32000696720ull},  // 10^-181
    {0xa9f6d30a038d1dbcull, 0x5e9fcf4ccd211f4dull},  // 10^-182
    {0x87f8a8d4cfa417c9ull, 0xe54ca5d70a80e5d7ull},  // 10^-183
    {0xd98ddaee19068c76ull, 0x3badd624dd9b0958ull},  // 10^-184
    {0xae0b158b4738705eull, 0x9624ab50b148d446ull},  // 10^-185
    {0x8b3c113c38f9f37eull, 0xde83bc408dd3dd05ull},  // 10^-186
    {0xdec681f9f4c31f31ull, 0x6405fa00e2ec94d5ull},  // 10^-187
    {0xb23867fb2a35b28dull, 0xe99e619a4f23aa44ull},  // 10^-188
    {0x8e938662882af53eull, 0x547eb47b7282ee9dull},  // 10^-189
    {0xe41f3d6a7377eecaull, 0x20caba5f1d9e4a94ull},  // 10^-190
    {0xb67f6455292cbf08ull, 0x1a3bc84c17b1d543ull},  // 10^-191
    {0x91ff83775423cc06ull, 0x7b6306a34627ddd0ull},  // 10^-192
    {0xe998d258869facd7ull, 0x2bd1a438703fc94cull},  // 10^-193
    {0xbae0a846d2195712ull, 0x8974836059cca10aull},  // 10^-194
    {0x9580869f0e7aac0eull, 0xd45d35e6ae3d4da1ull},  // 10^-195
    {0xef340a98172aace4ull, 0x86fb897116c87c35ull},  // 10^-196
    {0xbf5cd54678eef0b6ull, 0xd262d45a78a0635eull},  // 10^-197
    {0x991711052d8bf3c5ull, 0x751bdd152d4d1c4bull},  // 10^-198
    {0xf4f1b4d515acb93bull, 0xee92fb5515482d45ull},  // 10^-199
    {0xc3f490aa77bd60fcull, 0xbedbfc4411068a9dull},  // 10^-200
    {0x9cc3a6eec6311a63ull, 0xcbe3303674053bb1ull},  // 10^-201
    {0xfad2a4b13d1b5d6cull, 0x796b805720085f82ull},  // 10^-202
    {0xc8a883c0fdaf7df0ull, 0x6122cd128006b2ceull},  // 10^-203
    {0xa086cfcd97bf97f3ull, 0x80e8a40eccd228a5ull},  // 10^-204
    {0x806bd9714632dff6ull, 0x00ba1cd8a3db53b7ull},  // 10^-205
    {0xcd795be870516656ull, 0x67902e276c921f8cull},  // 10^-206
    {0xa46116538d0deb78ull, 0x52d9be85f074e609ull},  // 10^-207
    {0x8380dea93da4bc60ull, 0x4247cb9e59f71e6eull},  // 10^-208
    {0xd267caa862a12d66ull, 0xd072df63c324fd7cull},  // 10^-209
    {0xa8530886b54dbdebull, 0xd9f57f830283fdfdull},  // 10^-210
    {0x86a8d39ef77164bcull, 0xae5dff9c02033198ull},  // 10^-211
    {0xd77485cb25823ac7ull, 0x7d633293366b828cull},  // 10^-212
    {0xac5d37d5b79b6239ull, 0x311c2875c522ced6ull},  // 10^-213
    {0x89e42caaf9491b60ull, 0xf41686c49db57245ull},  // 10^-214
    {0xdca04777f541c567ull, 0xecf0d7a0fc5583a1ull},  // 10^-215
    {0xb080392cc4349decull, 0xbd8d794d96aacfb4ull},  // 10^-216
    {0x8d3360f09cf6e4bdull, 0x64712dd7abbbd95dull},  // 10^-217
    {0xe1ebce4dc7f16dfbull, 0xd3e8495912c62895ull},  // 10^-218
    {0xb4bca50b065abe63ull, 0x0fed077a756b53aaull},  // 10^-219
    {0x9096ea6f3848984full, 0x3ff0d2c85def7622ull},  // 10^-220
    {0xe757dd7ec07426e5ull, 0x331aeada2fe589d0ull},  // 10^-221
    {0xb913179899f68584ull, 0x28e2557b59846e40ull},  // 10^-222
    {0x940f4613ae5ed136ull, 0x871b7795e136be9aull},  // 10^-223
    {0xece53cec4a314ebdull, 0xa4f8bf5635246429ull},  // 10^-224
    {0xbd8430bd08277231ull, 0x50c6ff782a838354ull},  // 10^-225
    {0x979cf3ca6cec5b5aull, 0xa705992ceecf9c43ull},  // 10^-226
    {0xf294b943e17a2bc4ull, 0x3e6f5b7b17b2939eull},  // 10^-227
    {0xc21094364dfb5636ull, 0x985915fc12f542e5ull},  // 10^-228
    {0x9b407691d7fc44f8ull, 0x79e0de63425dcf1eull},  // 10^-229
    {0xf867241c8cc6d4c0ull, 0xc30163d203c94b63ull},  // 10^-230
    {0xc6b8e9b0709f109aull, 0x359ab6419ca1091cull},  // 10^-231
    {0x9efa548d26e5a6e1ull, 0xc47bc5014a1a6db0ull},  // 10^-232
    {0xfe5d54150b090b02ull, 0xd3f93b35435d7c4dull},  // 10^-233
    {0xcb7ddcdda26da268ull, 0xa9942f5dcf7dfd0aull},  // 10^-234
    {0xa2cb1717b52481edull, 0x54768c4b0c64ca6full},  // 10^-235
    {0x823c12795db6ce57ull, 0x76c53d08d6b70859ull},  // 10^-236
    {0xd0601d8efc57b08bull, 0xf13b94daf124da27ull},  // 10^-237
    {0xa6b34ad8c9dfc06full, 0xf42faa48c0ea481full},  // 10^-238
    {0x855c3be0a17fcd26ull, 0x5cf2eea09a550680ull},  // 10^-239
    {0xd5605fcdcf32e1d6ull, 0xfb1e4a9a90880a65ull},  // 10^-240
    {0xaab37fd7d8f58178ull, 0xc8e5087ba6d33b84ull},  // 10^-241
    {0x888f99797a5e012dull, 0x6d8406c952429604ull},  // 10^-242
    {0xda7f5bf590966848ull, 0xaf39a475506a899full},  // 10^-243
    {0xaecc49914078536dull, 0x58fae9f773886e19ull},  // 10^-244
    {0x8bd6a141006042bdull, 0xe0c8bb2c5c6d24e1ull},  // 10^-245
    {0xdfbdcece67006ac9ull, 0x67a791e093e1d49bull},  // 10^-246
    {0xb2fe3f0b8599ef07ull, 0x861fa7e6dcb4aa16ull},  // 10^-247
    {0x8f31cc0937ae58d2ull, 0xd1b2ecb8b0908811ull},  // 10^-248
    {0xe51c79a85916f484ull, 0x82b7e12780e7401bull},  // 10^-249
    {0xb749faed14125d36ull, 0xcef980ec671f667cull},  // 10^-250
    {0x92a1958a7675175full, 0x0bfacd89ec191ecaull},  // 10^-251
    {0xea9c227723ee8bcbull, 0x465e15a979c1caddull},  // 10^-252
    {0xbbb01b9283253ca2ull, 0x9eb1aaedfb016f17ull},  // 10^-253
    {0x96267c7535b763b5ull, 0x4bc1558b2f3458dfull},  // 10^-254
    {0xf03d93eebc589f88ull, 0x793555ab7eba27cbull},  // 10^-255
    {0xc0314325637a1939ull, 0xfa911155fefb5309ull},  // 10^-256
    {0x99c102844f94e0fbull, 0x2eda7444cbfc426eull},  // 10^-257
    {0xf6019da07f549b2bull, 0x7e2a53a146606a49ull},  // 10^-258
    {0xc4ce17b399107c22ull, 0xcb550fb4384d21d4ull},  // 10^-259
    {0x9d71ac8fada6c9b5ull, 0x6f773fc3603db4aaull},  // 10^-260
    {0xfbe9141915d7a922ull, 0x4bf1ff9f0062baa9ull},  // 10^-261
    {0xc987434744ac874eull, 0xa327ffb266b56221ull},  // 10^-262
    {0xa139029f6a239f72ull, 0x1c1fffc1ebc44e81ull},  // 10^-263
    {0x80fa687f881c7f8eull, 0x7ce66634bc9d0b9aull},  // 10^-264
    {0xce5d73ff402d98e3ull, 0xfb0a3d212dc81290ull},  // 10^-265
    {0xa5178fff668ae0b6ull, 0x626e974dbe39a873ull},  // 10^-266
    {0x8412d9991ed58091ull, 0xe858790afe9486c3ull},  // 10^-267
    {0xd3515c2831559a83ull, 0x0d5a5b44ca873e04ull},  // 10^-268
    {0xa90de3535aaae202ull, 0x711515d0a205cb37ull},  // 10^-269
    {0x873e4f75e2224e68ull, 0x5a7744a6e804a292ull},  // 10^-270
    {0xd863b256369d4a40ull, 0x90bed43e40076a83ull},  // 10^-271
    {0xad1c8eab5ee43b66ull, 0xda3243650005eed0ull},  // 10^-272
    {0x8a7d3eef7f1cfc52ull, 0x482835ea666b2573ull},  // 10^-273
    {0xdd95317f31c7fa1dull, 0x40405643d711d584ull},  // 10^-274
    {0xb1442798f49ffb4aull, 0x99cd11cfdf41779dull},  // 10^-275
    {0x8dd01fad907ffc3bull, 0xae3da7d97f6792e4ull},  // 10^-276
    {0xe2e69915b3fff9f9ull, 0x16c90c8f323f516dull},  // 10^-277
    {0xb58547448ffffb2dull, 0xabd40a0c2832a78bull},  // 10^-278
    {0x91376c36d99995beull, 0x23100809b9c21fa2ull},  // 10^-279
    {0xe858ad248f5c22c9ull, 0xd1b3400f8f9cff69ull},  // 10^-280
    {0xb9e08a83a5e34f07ull, 0xdaf5ccd93fb0cc54ull},  // 10^-281
    {0x94b3a202eb1c3f39ull, 0x7bf7d71432f3d6aaull},  // 10^-282
    {0xedec366b11c6cb8full, 0x2cbfbe86b7ec8aa9ull},  // 10^-283
    {0xbe5691ef416bd60cull, 0x23cc986bc656d554ull},  // 10^-284
    {0x9845418c345644d6ull, 0x830a13896b78aaaaull},  // 10^-285
    {0xf3a20279ed56d48aull, 0x6b43527578c11110ull},  // 10^-286
    {0xc2e801fb244576d5ull, 0x229c41f793cda740ull},  // 10^-287
    {0x9becce62836ac577ull, 0x4ee367f9430aec33ull},  // 10^-288
    {0xf97ae3d0d2446f25ull, 0x4b0573286b44ad1eull},  // 10^-289
    {0xc795830d75038c1dull, 0xd59df5b9ef6a2418ull},  // 10^-290
    {0x9faacf3df73609b1ull, 0x77b191618c54e9adull},  // 10^-291
    {0xff77b1fcbebcdc4full, 0x25e8e89c13bb0f7bull},  // 10^-292
  };
};

// floor(e * log2(10)), floor(q * log10(2)), floor(log10(3/4 * 2^q)) in the range used here.
inline constexpr int floor_log2_pow10(int e) noexcept { return (e * 1741647) >> 19; }
inline constexpr int floor_log10_pow2(int q) noexcept { return (q * 315653) >> 20; }
inline constexpr int floor_log10_three_quarters_pow2(int q) noexcept { return (q * 315653 - 131237) >> 20; }

// floor(g * cp / 2^128), with its lowest bit set when the product is not exact ("round to odd").
inline std::uint64_t round_to_odd(std::uint64_t g_hi, std::uint64_t g_lo, std::uint64_t cp) noexcept {
  const u128 x = static_cast<u128>(g_lo) * cp;
  const u128 y = static_cast<u128>(g_hi) * cp + static_cast<std::uint64_t>(x >> 64);
  return static_cast<std::uint64_t>(y >> 64) | (static_cast<std::uint64_t>(y) > 1);
}

// The shortest decimal s * 10^e that reads back as the positive finite double with these bits (sign
// bit clear, not zero). s may have trailing zeros.
template <class = void>
inline void schubfach(std::uint64_t bits, std::uint64_t& s_out, int& e_out) noexcept {
  const std::uint64_t frac = bits & ((std::uint64_t{1} << 52) - 1);
  const int biased = static_cast<int>(bits >> 52);
  std::uint64_t c;
  int q;
  if (biased != 0) {
    c = frac | (std::uint64_t{1} << 52);
    q = biased - 1075;
  } else {
    c = frac;
    q = -1074;
  }
  // v = c * 2^q; its rounding interval, times 4 * 2^-q: [4c - 2, 4c + 2], or [4c - 1, 4c + 2] just
  // above a power of two, bounds included when c is even (ties to even when read back).
  const bool even = (c & 1) == 0;
  const bool closer = frac == 0 && biased > 1;
  const std::uint64_t cbl = 4 * c - 2 + closer, cb = 4 * c, cbr = 4 * c + 2;
  const int k = closer ? floor_log10_three_quarters_pow2(q) : floor_log10_pow2(q);
  const int h = q + floor_log2_pow10(-k) + 1;  // 1..4
  const std::uint64_t* g = pow10_128<>::g[k - pow10_128<>::k_min];
  const std::uint64_t vbl = round_to_odd(g[0], g[1], cbl << h);
  const std::uint64_t vb = round_to_odd(g[0], g[1], cb << h);
  const std::uint64_t vbr = round_to_odd(g[0], g[1], cbr << h);
  const std::uint64_t lower = vbl + !even, upper = vbr - !even;
  // 4 * v * 10^-k lies in [vb - 1, vb + 1]; s = floor(v * 10^-k).
  const std::uint64_t s = vb / 4;
  if (s >= 10) {
    // One digit less: at most one multiple of 10 fits the interval at this scale.
    const std::uint64_t sp = s / 10;
    const bool up_in = lower <= 40 * sp, wp_in = 40 * sp + 40 <= upper;
    if (up_in != wp_in) {
      s_out = sp + wp_in;
      e_out = k + 1;
      return;
    }
  }
  const bool u_in = lower <= 4 * s, w_in = 4 * s + 4 <= upper;
  if (u_in != w_in) {
    s_out = s + w_in;
    e_out = k;
    return;
  }
  // Both s and s + 1 read back as v: the closer one, the even one on a tie.
  const std::uint64_t mid = 4 * s + 2;
  s_out = s + ((vb > mid) | ((vb == mid) & (s & 1)));
  e_out = k;
}

}  // namespace sinkforge::inline v1::serialize::detail::shortest
